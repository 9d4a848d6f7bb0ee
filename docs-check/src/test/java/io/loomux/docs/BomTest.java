package io.loomux.docs;

import static org.testng.Assert.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.testng.annotations.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** The BOM users import names this build's version and every artifact a user may depend on. */
public class BomTest {

    /** Modules no user depends on: tests, benchmarks, a sample, and the BOM itself. */
    private static final Set<String> NOT_PUBLISHED = Set.of("bom", "fuzz", "it-tests", "docs-check",
            "benchmarks", "bench-jmh", "samples/countingplugin");

    @Test
    public void theBomListsEveryPublishedModuleAtThisVersion() throws Exception {
        Path root = Checkout.root();
        Document bom = parse(root.resolve("bom/pom.xml"));
        assertEquals(text(bom.getDocumentElement(), "version"), Checkout.version(),
                "bom/pom.xml has no parent, so its version is kept by hand: make it the reactor's");

        Set<String> listed = new TreeSet<>();
        Element managed = child(child(bom.getDocumentElement(), "dependencyManagement"), "dependencies");
        for (Element dependency : children(managed, "dependency")) {
            assertEquals(text(dependency, "groupId"), "io.loomux");
            assertEquals(text(dependency, "version"), "${project.version}");
            listed.add(text(dependency, "artifactId"));
        }

        Set<String> published = new TreeSet<>();
        Document parent = parse(root.resolve("pom.xml"));
        for (Element module : children(child(parent.getDocumentElement(), "modules"), "module")) {
            String dir = module.getTextContent().trim();
            if (!NOT_PUBLISHED.contains(dir)) {
                published.add(text(parse(root.resolve(dir).resolve("pom.xml")).getDocumentElement(), "artifactId"));
            }
        }
        assertEquals(listed, published, "bom/pom.xml must list every published module (a new module that no"
                + " user depends on goes into NOT_PUBLISHED here instead)");
    }

    private static Document parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
                found.add((Element) nodes.item(i));
            }
        }
        return found;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        if (found.size() != 1) {
            throw new AssertionError("expected one <" + name + "> in <" + parent.getNodeName() + ">, found " + found.size());
        }
        return found.get(0);
    }

    private static String text(Element parent, String name) {
        return child(parent, name).getTextContent().trim();
    }
}
