package io.loomux.docs;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar().toString(), "backends").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "java -jar ... backends did not end");
        assertEquals(p.exitValue(), 0, out);
        assertFalse(out.contains("WARNING"), out);
        assertTrue(out.lines().anyMatch(l -> available(l, "selector")), out);
        if (System.getProperty("os.name").equals("Linux")) {
            assertTrue(out.lines().anyMatch(l -> available(l, "epoll")), out);
        }
    }
}
