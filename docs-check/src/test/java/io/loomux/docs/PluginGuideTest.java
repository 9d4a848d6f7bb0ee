package io.loomux.docs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;

import io.loomux.tck.MultiplexerVerification;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * docs/writing-a-plugin.md's plugin, built by Maven from the guide's marked blocks alone, as a
 * newcomer following it would: once without the block marked {@code variant=module} (the class
 * path) and once with it (the module path, where Maven then runs the tests). Each build must pass
 * with every rule of the conformance kit run, not skipped, and loomux's command line must list
 * the jar as an available backend, as the guide shows. Without the guide's {@code uses} line the
 * kit must fail, naming the cause.
 */
public class PluginGuideTest {

    private static final String MODULE = "module";
    private static final String CLASS_PATH = "classpath";
    private static final String USES = "uses io.loomux.spi.MultiplexerProvider;";

    private static Path guide() {
        return Checkout.root().resolve("docs/writing-a-plugin.md");
    }

    @DataProvider
    public Object[][] paths() {
        return new Object[][] {{CLASS_PATH}, {MODULE}};
    }

    @Test(dataProvider = "paths")
    public void theGuidesPluginPassesEveryRuleAndIsListed(String variant) throws Exception {
        Path dir = write(variant, "plugin-guide-" + variant);
        ChildProcess.Result build = ChildMaven.run(dir, "package")
                .requireSuccess("building the plugin of docs/writing-a-plugin.md (" + variant + ") in " + dir);
        String shown = shownLine(guide(), "Tests run:");
        assertTrue(build.output().contains(shown.substring(shown.indexOf("Tests run:"))),
                "the guide shows '" + shown + "'; the build printed:\n" + build.output());

        Report report = Report.read(dir.resolve("target/surefire-reports/TEST-TestSuite.xml"));
        assertEquals(report.failed(), Set.of(), "tests failed");
        Set<String> rules = kitRules();
        assertTrue(report.ran().keySet().containsAll(rules),
                "every rule of the kit is in the report: missing " + missing(rules, report.ran().keySet()));
        Map<String, String> skipped = new TreeMap<>(report.ran());
        skipped.values().removeIf(why -> why == null);
        for (Map.Entry<String, String> s : skipped.entrySet()) {
            boolean otherMode = s.getKey().startsWith("required_edge_") || s.getKey().startsWith("required_oneShot_");
            boolean noIpv6Here = s.getKey().equals("optional_ipv6Loopback") && s.getValue().contains("no IPv6 loopback");
            assertTrue(otherMode || noIpv6Here, "a rule skipped that should have run: " + s);
        }
        assertFalse(skipped.keySet().stream().anyMatch(r -> r.startsWith("required_edge_"))
                && skipped.keySet().stream().anyMatch(r -> r.startsWith("required_oneShot_")),
                "the rules of both triggering modes skipped: " + skipped);
        assertFalse(skipped.containsKey("kit_everyApplicableRuleRan"), "the kit's last check ran");

        String modulePath = report.properties().getOrDefault("jdk.module.path", "");
        assertEquals(modulePath.contains(dir.resolve("target/classes").toString()), variant.equals(MODULE),
                "Surefire runs the tests on the module path exactly when there is a module-info.java; jdk.module.path="
                        + modulePath);

        String listed = loomux(dir, "--classpath", "target/" + onlyJar(dir), "backends");
        String row = shownLine(guide(), "com.example.nodelay.NoDelayProvider");
        assertTrue(listed.lines().anyMatch(l -> words(l).equals(words(row))),
                "the guide shows the row '" + row + "'; ./loomux backends printed:\n" + listed);
        assertTrue(row.matches("\\W*nodelay\\s.*\\savailable\\s*"), "the guide's row says available: " + row);
    }

    /** The mistake the guide warns of: a wrapping plugin's module without {@code uses}. */
    @Test
    public void withoutTheUsesLineTheKitFailsSayingWhy() throws Exception {
        Path dir = write(MODULE, "plugin-guide-without-uses");
        Path moduleInfo = dir.resolve("src/main/java/module-info.java");
        String source = Files.readString(moduleInfo, UTF_8);
        assertTrue(source.contains(USES), "the guide's module-info.java has the line " + USES + ":\n" + source);
        Files.writeString(moduleInfo, source.replace(USES, ""));
        ChildProcess.Result build = ChildMaven.run(dir, "test");
        assertNotEquals(build.exitCode(), 0, "the kit passed a plugin it could not test:\n" + build.output());
        assertTrue(build.output().contains("kit_everyApplicableRuleRan")
                && build.output().contains("module com.example.nodelay does not declare `uses`"),
                "the failure names the kit's check and the cause:\n" + build.output());
    }

    /**
     * Writes the guide's project for one variant: every marked block, less those marked for
     * another variant.
     */
    private static Path write(String variant, String name) throws IOException {
        UserProject project = UserProject.write(guide(), name);
        boolean sawModuleInfo = false;
        for (MarkdownBlocks.Block b : project.files()) {
            String only = b.attributes().get("variant");
            assertTrue(only == null || only.equals(MODULE), b.where() + ": unknown variant " + only);
            if (only != null && !only.equals(variant)) {
                Files.delete(project.dir().resolve(b.file()));
            }
            sawModuleInfo |= b.file().endsWith("module-info.java") && MODULE.equals(only);
        }
        assertTrue(sawModuleInfo, "the guide marks its module-info.java block variant=module");
        return project.dir();
    }

    /** @return the names of the kit's rules and checks, each one TestNG test */
    private static Set<String> kitRules() {
        Set<String> rules = new TreeSet<>();
        for (Method m : MultiplexerVerification.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Test.class)) {
                rules.add(m.getName());
            }
        }
        return rules;
    }

    private static Set<String> missing(Set<String> wanted, Set<String> got) {
        Set<String> m = new TreeSet<>(wanted);
        m.removeAll(got);
        return m;
    }

    /** @return the one line of the guide's unmarked blocks that contains {@code text} */
    private static String shownLine(Path doc, String text) throws IOException {
        List<String> lines = new ArrayList<>();
        for (MarkdownBlocks.Block b : MarkdownBlocks.read(doc)) {
            if (b.file() == null) {
                b.text().lines().filter(l -> l.contains(text)).forEach(lines::add);
            }
        }
        assertEquals(lines.size(), 1, "lines shown with '" + text + "' in " + doc + ": " + lines);
        return lines.get(0);
    }

    private static List<String> words(String line) {
        return List.of(line.strip().split("\\s+"));
    }

    private static String onlyJar(Path dir) throws IOException {
        try (Stream<Path> jars = Files.list(dir.resolve("target"))) {
            List<String> names = jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
            assertEquals(names.size(), 1, "jars built: " + names);
            return names.get(0);
        }
    }

    /** Runs the checkout's {@code ./loomux} in {@code dir}, as the guide does; returns its output. */
    private static String loomux(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Checkout.root().resolve("loomux").toString()));
        command.addAll(List.of(args));
        return ChildProcess.run(dir, Duration.ofMinutes(5), command).requireSuccess("./loomux").output();
    }

    /**
     * What Surefire's report says.
     *
     * @param ran every test by name, with its skip message, or null if it was not skipped
     * @param failed the tests that failed or erred
     * @param properties the test JVM's system properties
     */
    private record Report(Map<String, String> ran, Set<String> failed, Map<String, String> properties) {

        static Report read(Path xml) throws Exception {
            assertTrue(Files.isRegularFile(xml), "no Surefire report " + xml);
            Element suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile())
                    .getDocumentElement();
            Map<String, String> ran = new TreeMap<>();
            Set<String> failed = new TreeSet<>();
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                String name = c.getAttribute("name");
                NodeList skip = c.getElementsByTagName("skipped");
                ran.put(name, skip.getLength() == 0 ? null : ((Element) skip.item(0)).getAttribute("message"));
                if (c.getElementsByTagName("failure").getLength() + c.getElementsByTagName("error").getLength() > 0) {
                    failed.add(name);
                }
            }
            Map<String, String> properties = new TreeMap<>();
            NodeList props = suite.getElementsByTagName("property");
            for (int i = 0; i < props.getLength(); i++) {
                Element p = (Element) props.item(i);
                properties.put(p.getAttribute("name"), p.getAttribute("value"));
            }
            return new Report(ran, failed, properties);
        }
    }
}
