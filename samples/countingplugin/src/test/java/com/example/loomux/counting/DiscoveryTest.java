package com.example.loomux.counting;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.loomux.BackendInfo;
import io.loomux.Loomux;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.testng.annotations.Test;

/**
 * The plugin is found by {@link java.util.ServiceLoader} through its {@code META-INF/services}
 * entry on the class path and through its {@code provides} clause on the module path, and
 * selecting it by name runs the blocking layer on it.
 */
public class DiscoveryTest {

    @Test
    public void foundOnTheClassPathAndSelectableByName() throws IOException {
        BackendInfo counting = Loomux.backends().stream().filter(b -> b.name().equals("counting")).findFirst()
                .orElseThrow(() -> new AssertionError("not found: " + Loomux.backends()));
        assertEquals(counting.priority(), 1);
        assertTrue(counting.availability().available(), counting.availability().reason());
        assertTrue(!Loomux.defaultBackend().name().equals("counting"), "priority 1 never wins by default");
        Counts.Snapshot before = Counts.snapshot();
        try (Loomux lx = Loomux.builder().backend("counting").pollers(1).build()) {
            assertEquals(lx.backend().name(), "counting");
            try (var l = lx.listen(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
                 var c = lx.connect(l.localAddress(), java.time.Duration.ofSeconds(30));
                 var s = l.accept()) {
                c.write(java.nio.ByteBuffer.wrap(new byte[] {42}));
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                assertEquals(s.read(b), 1);
            }
        }
        Counts.Snapshot after = Counts.snapshot();
        assertTrue(after.accepts() > before.accepts() && after.reads() > before.reads() && after.writes() > before.writes(),
                "the runtime's calls went through the plugin: before " + before + ", after " + after);
    }

    @Test
    public void foundOnTheModulePath() throws Exception {
        String out = child(true);
        assertTrue(out.contains("counting priority=1 available=true"), out);
        assertTrue(out.contains("selector priority=10 available=true"), out);
        assertTrue(out.contains("plugin module on the module path: true"), out);
    }

    @Test
    public void onTheClassPathWithoutABackendToWrapItSaysWhy() throws Exception {
        String out = child(false);
        assertTrue(out.contains("counting priority=1 available=false"), out);
        assertTrue(out.contains("not on the class or module path"), out);
    }

    /**
     * Runs {@code com.example.listbackends.ListBackends} (a package of its own: the class path
     * may not split the plugin module's package) in a child JVM: on the module path with the api, the plugin, the
     * Selector backend and jctools as modules; or on the class path with the api and the plugin
     * only.
     */
    private static String child(boolean modulePath) throws Exception {
        List<String> api = new ArrayList<>();
        List<String> backends = new ArrayList<>();
        String plugin = Path.of("target", "classes").toAbsolutePath().toString();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.contains("loomux-api")) {
                api.add(e);
            } else if (e.contains("loomux-spi-selector") || e.contains("jctools")) {
                backends.add(e);
            }
        }
        assertEquals(api.size(), 1, "the api jar on the test class path: " + System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String testClasses = Path.of("target", "test-classes").toAbsolutePath().toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        if (modulePath) {
            List<String> mp = new ArrayList<>(api);
            mp.add(plugin);
            mp.addAll(backends);
            cmd.addAll(List.of("--module-path", String.join(File.pathSeparator, mp), "--add-modules", "ALL-MODULE-PATH",
                    "-cp", testClasses));
        } else {
            cmd.addAll(List.of("-cp", String.join(File.pathSeparator, api.get(0), plugin, testClasses)));
        }
        cmd.add("com.example.listbackends.ListBackends");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(done, "child JVM did not finish: " + out);
        assertEquals(p.exitValue(), 0, out);
        return out;
    }
}
