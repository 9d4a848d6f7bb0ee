package io.loomux.docs;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;
import org.testng.annotations.Test;

/** The runnable jar runs with a bare {@code java -jar}: no option to add, no warning printed. */
public class RunnableJarTest {

    private static Path jar() {
        Path jar = Checkout.root().resolve("cli/target/loomux-cli-" + Checkout.version() + "-all.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the cli module builds it in its package phase");
        return jar;
    }

    @Test
    public void itsManifestGrantsNativeAccess() throws Exception {
        try (JarFile jar = new JarFile(jar().toFile())) {
            assertEquals(jar.getManifest().getMainAttributes().getValue("Enable-Native-Access"), "ALL-UNNAMED");
        }
    }

    /** @return whether {@code line} is the row of {@code backend}, available (not "unavailable") */
    private static boolean available(String line, String backend) {
        return line.matches("\\W*" + backend + "\\s.*\\savailable\\b.*");
    }

    /** On JDK 24 and newer, loading the epoll library without native access prints a warning. */
    @Test
    public void listsTheBackendsWithoutAWarning() throws Exception {
        String out = ChildProcess.run(Path.of("target").toAbsolutePath(), Duration.ofMinutes(1),
                List.of(ChildProcess.java(), "-jar", jar().toString(), "backends"))
                .requireSuccess("the runnable jar").output();
        assertFalse(out.contains("WARNING"), out);
        assertTrue(out.lines().anyMatch(l -> available(l, "selector")), out);
        if (System.getProperty("os.name").equals("Linux")) {
            assertTrue(out.lines().anyMatch(l -> available(l, "epoll")), out);
        }
    }
}
