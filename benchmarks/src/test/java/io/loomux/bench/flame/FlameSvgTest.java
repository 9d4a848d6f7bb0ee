package io.loomux.bench.flame;

import org.testng.annotations.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * The SVG says what the stacks say: widths are shares of the total, callees sit on their callers,
 * a shared prefix is drawn once, and any name survives as well-formed XML.
 */
public class FlameSvgTest {

    private static final double PLOT = FlameSvg.WIDTH - 2.0 * FlameSvg.MARGIN;

    /** One drawn frame, read back from the SVG. */
    private record Box(String name, double x, double y, double width) {
        boolean holds(Box callee) {
            return callee.x >= x - 0.01 && callee.x + callee.width <= x + width + 0.01
                    && Math.abs(callee.y - (y - FlameSvg.ROW)) < 0.01;
        }
    }

    private static List<Box> draw(String collapsed) throws Exception {
        FrameTree tree = FrameTree.parse(new StringReader(collapsed));
        String svg = new FlameSvg("t", "d", "samples", false).render(tree);
        // Parsing it is itself the check that every name was escaped.
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        NodeList groups = doc.getElementsByTagName("g");
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < groups.getLength(); i++) {
            Element g = (Element) groups.item(i);
            String title = g.getElementsByTagName("title").item(0).getTextContent();
            Element rect = (Element) g.getElementsByTagName("rect").item(0);
            boxes.add(new Box(title.substring(0, title.lastIndexOf(" (")),
                    Double.parseDouble(rect.getAttribute("x")), Double.parseDouble(rect.getAttribute("y")),
                    Double.parseDouble(rect.getAttribute("width"))));
        }
        return boxes;
    }

    private static Box only(List<Box> boxes, String name) {
        List<Box> named = boxes.stream().filter(b -> b.name.equals(name)).toList();
        assertEquals(named.size(), 1, "frames named " + name + " in " + boxes);
        return named.get(0);
    }

    @Test
    public void widthsAreSharesOfTheTotalAndSumToTheRoot() throws Exception {
        List<Box> boxes = draw("main;a 3\nmain;b 1\nother 4\n");
        Box all = only(boxes, "all");
        assertEquals(all.width, PLOT, 0.01);
        assertEquals(only(boxes, "main").width + only(boxes, "other").width, all.width, 0.02);
        assertEquals(only(boxes, "a").width, PLOT * 3 / 8, 0.01);
        assertEquals(only(boxes, "b").width, PLOT / 8, 0.01);
    }

    @Test
    public void calleesSitOnTheirCallersSideBySide() throws Exception {
        List<Box> boxes = draw("main;a;x 2\nmain;b 2\n");
        Box main = only(boxes, "main");
        Box a = only(boxes, "a");
        Box b = only(boxes, "b");
        assertTrue(only(boxes, "all").holds(main));
        assertTrue(main.holds(a) && main.holds(b), boxes.toString());
        assertTrue(a.holds(only(boxes, "x")), boxes.toString());
        assertTrue(a.x + a.width <= b.x + 0.01 || b.x + b.width <= a.x + 0.01, "a and b overlap: " + boxes);
    }

    @Test
    public void aSharedPrefixIsDrawnOnce() throws Exception {
        List<Box> boxes = draw("run;serve;read 1\nrun;serve;write 2\nrun;serve 1\n");
        assertEquals(boxes.size(), 5, boxes.toString());
        assertEquals(only(boxes, "serve").width, PLOT, 0.01);
        assertEquals(only(boxes, "write").width, PLOT / 2, 0.01);
    }

    @Test
    public void namesWithMarkupAreEscapedAndReadBackWhole() throws Exception {
        String odd = "std::vector<int>& \"q\"::<init>";
        List<Box> boxes = draw("io/loomux/Foo.<init>_[j];" + odd + " 5\n");
        only(boxes, "io.loomux.Foo.<init>");
        only(boxes, odd);
    }

    @Test
    public void labelsAreCutToTheirFrameOrLeftOut() {
        assertEquals(FlameSvg.fit("short", 500), "short");
        String cut = FlameSvg.fit("io/loomux/http/internal/Http1Connection.serve", 80);
        assertTrue(cut.endsWith("..") && cut.length() < 20, cut);
        assertEquals(FlameSvg.fit("anything", 10), "");
    }
}
