package io.loomux.docs;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.testng.annotations.Test;

/**
 * No Java snippet in the project's Markdown escapes the checks: each is a marked file of an
 * example project, and each document with marked files is one that a test of this module builds.
 */
public class EveryJavaBlockIsCheckedTest {

    /** The documents whose example projects a test builds, and the test that builds each. */
    private static final Set<String> BUILT = Set.of(
            "README.md",                 // ReadmeSnippetsTest
            "docs/writing-a-plugin.md"); // PluginGuideTest

    @Test
    public void everyJavaBlockIsAMarkedFileOfABuiltProject() throws IOException {
        Path root = Checkout.root();
        List<String> unchecked = new ArrayList<>();
        Set<String> withFiles = new TreeSet<>();
        for (Path doc : markdown(root)) {
            String name = root.relativize(doc).toString().replace('\\', '/');
            for (MarkdownBlocks.Block b : MarkdownBlocks.read(doc)) {
                if (b.file() != null) {
                    withFiles.add(name);
                } else if (b.language().equals("java")) {
                    unchecked.add(name + ":" + b.line());
                }
            }
        }
        assertEquals(unchecked, List.of(), "Java blocks without a <!-- file: ... --> marker, which nothing compiles");
        assertTrue(BUILT.containsAll(withFiles), "documents with marked files that no test builds: " + withFiles);
    }

    /** Build output and hidden directories (.git) hold no docs of the project's own. */
    private static boolean isSource(Path relative) {
        for (Path part : relative) {
            if (part.toString().equals("target") || part.toString().startsWith(".")) {
                return false;
            }
        }
        return true;
    }

    private static List<Path> markdown(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .filter(p -> isSource(root.relativize(p)))
                    .sorted().toList();
        }
    }
}
