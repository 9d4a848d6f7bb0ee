package io.loomux.it;

import io.loomux.BackendInfo;
import io.loomux.Loomux;
import org.testng.annotations.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * loomux on the module path: the same jars (or class directories) this test runs with, handed to
 * a child JVM as modules. ServiceLoader must find every backend through their {@code provides}
 * clauses, and the echo server must answer on each.
 */
public class ModulePathTest {

    private static final Pattern ADDRESS = Pattern.compile("loomux echo server on /127\\.0\\.0\\.1:(\\d+) \\(backend (\\S+),");

    private static String modulePath() {
        return ChildJvm.modulePath();
    }

    private static Process launch(String... args) throws IOException {
        return new ProcessBuilder(ChildJvm.command(args)).redirectErrorStream(true).start();
    }

    /**
     * The drop-in promise on the module path: the JDK's own jwebserver, unchanged, runs on
     * loomux once the module is added. A backend name that does not exist makes it fail with
     * loomux's error, which proves whose server it was; a real one serves a file.
     */
    @Test(timeOut = 60_000)
    public void jwebserverRunsOnLoomuxWhenItsModuleIsAdded() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("loomux-jwebserver");
        java.nio.file.Files.writeString(dir.resolve("f.txt"), "from jwebserver");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> base = List.of("--module-path", modulePath(), "--add-modules", "io.loomux.http",
                "-m", "jdk.httpserver/sun.net.httpserver.simpleserver.Main", "-b", "127.0.0.1", "-p", "0",
                "-d", dir.toString());
        List<String> wrong = new ArrayList<>(List.of(java, "-Dloomux.backend=no-such-backend"));
        wrong.addAll(base);
        Process bad = new ProcessBuilder(wrong).redirectErrorStream(true).start();
        String badOut = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS), badOut);
        assertTrue(badOut.contains("loomux backend 'no-such-backend' not found"), badOut);

        List<String> good = new ArrayList<>(List.of(java, "--enable-native-access=io.loomux.epoll"));
        good.addAll(base);
        Process p = new ProcessBuilder(good).redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern port = Pattern.compile("on 127\\.0\\.0\\.1 port (\\d+)");
            CompletableFuture<Integer> banner = CompletableFuture.supplyAsync(() -> {
                try {
                    // bounded by the output: the child prints its banner first, or exits
                    for (String l; (l = lines.readLine()) != null; ) {
                        Matcher m = port.matcher(l);
                        if (m.find()) {
                            return Integer.parseInt(m.group(1));
                        }
                    }
                    throw new AssertionError("jwebserver exited without its banner");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            int n = banner.get(30, TimeUnit.SECONDS);
            try (Socket s = new Socket("127.0.0.1", n)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /f.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(response.startsWith("HTTP/1.1 200 "), response);
                assertTrue(response.endsWith("from jwebserver"), response);
            }
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test(timeOut = 60_000)
    public void serviceLoaderFindsEveryBackendOnTheModulePath() throws Exception {
        Process p = launch("backends");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
        assertEquals(p.exitValue(), 0, out);
        for (BackendInfo b : Loomux.backends()) {
            assertTrue(out.lines().anyMatch(l -> l.contains(" " + b.name() + " ") && l.contains(b.providerClass())),
                    "backend " + b.name() + " not listed on the module path:\n" + out);
        }
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void echoServerRunsOnTheModulePath(Backend backend) throws Exception {
        Backends.require(backend);
        Process p = launch("echo", "--bind", "127.0.0.1", "--port", "0", "--backend", backend.name());
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<Matcher> banner = CompletableFuture.supplyAsync(() -> {
                try {
                    // bounded by the output: the child prints its banner first, or exits
                    for (String l; (l = lines.readLine()) != null; ) {
                        Matcher m = ADDRESS.matcher(l);
                        if (m.find()) {
                            return m;
                        }
                    }
                    throw new AssertionError("the echo server exited without its banner");
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            Matcher m = banner.get(30, TimeUnit.SECONDS);
            assertEquals(m.group(2), backend.name());
            try (Socket s = new Socket("127.0.0.1", Integer.parseInt(m.group(1)))) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("module path".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertEquals(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII), "module path");
            }
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }
}
