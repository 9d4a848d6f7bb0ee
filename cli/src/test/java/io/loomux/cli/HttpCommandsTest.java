package io.loomux.cli;

import com.sun.net.httpserver.SimpleFileServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;

/** {@code loomux serve} and {@code loomux hello}: options as jwebserver takes them, and both serve. */
public class HttpCommandsTest {

    /**
     * HTTP/1.1, the protocol every server here speaks: the JDK's client would otherwise upgrade
     * to h2c on loomux. HTTP/2 has its own tests ({@link Http2AndTlsTest}).
     */
    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpResponse<String> get(HttpClient c, String url) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void serveTakesJwebserversOptions() throws Exception {
        Path dir = Files.createTempDirectory("loomux-serve");
        HttpCommands.ServeOptions o = HttpCommands.parseServe(List.of(dir.toString(), "-p", "0", "-b", "127.0.0.1",
                "-o", "verbose", "--backend", "selector"));
        assertEquals(o.directory(), dir.toAbsolutePath().normalize());
        assertEquals(o.port(), 0);
        assertEquals(o.bind(), InetAddress.getByName("127.0.0.1"));
        assertEquals(o.output(), SimpleFileServer.OutputLevel.VERBOSE);
        assertEquals(o.backend(), "selector");
        HttpCommands.ServeOptions d = HttpCommands.parseServe(List.of("--directory=" + dir, "--output", "none"));
        assertEquals(d.port(), HttpCommands.SERVE_PORT);
        assertNull(d.bind(), "loopback by default, as jwebserver");
        assertEquals(d.output(), SimpleFileServer.OutputLevel.NONE);
    }

    @Test(timeOut = 30_000)
    public void serveServesTheDirectoryAndLogsEachRequest() throws Exception {
        Path dir = Files.createTempDirectory("loomux-serve");
        Files.writeString(dir.resolve("hello.txt"), "hi there");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        HttpCommands.ServeOptions o = HttpCommands.parseServe(List.of(dir.toString(), "-p", "0"));
        try (HttpCommands.Running r = HttpCommands.startServe(o, new PrintStream(log, true, StandardCharsets.UTF_8));
             HttpClient c = client()) {
            assertTrue(r.server().getClass().getName().startsWith("io.loomux."), r.server().getClass().getName());
            String base = "http://127.0.0.1:" + r.server().getAddress().getPort();
            HttpResponse<String> file = get(c, base + "/hello.txt");
            assertEquals(file.statusCode(), 200);
            assertEquals(file.body(), "hi there");
            assertEquals(get(c, base + "/").statusCode(), 200);
            assertTrue(get(c, base + "/").body().contains("hello.txt"));
            assertEquals(get(c, base + "/missing").statusCode(), 404);
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("\"GET /hello.txt HTTP/1.1\" 200"), log.toString());
    }

    @Test(timeOut = 30_000)
    public void helloAnswersOnLoomuxAndOnTheJdk() throws Exception {
        for (List<String> args : List.of(List.of("-p", "0", "-b", "127.0.0.1"),
                List.of("-p", "0", "-b", "127.0.0.1", "--executor", "virtual"))) {
            try (HttpCommands.Running r = HttpCommands.startHello(HttpCommands.parseHello(args)); HttpClient c = client()) {
                assertTrue(r.server().getClass().getName().startsWith("io.loomux."), r.server().getClass().getName());
                HttpResponse<String> h = get(c, "http://127.0.0.1:" + r.server().getAddress().getPort() + "/any/path");
                assertEquals(h.statusCode(), 200);
                assertEquals(h.body(), "Hello, world!\n");
                assertEquals(h.headers().firstValue("content-type").orElse(""), "text/plain; charset=utf-8");
            }
        }
    }

    @Test(timeOut = 30_000)
    public void helloAnswers64KiBOfLettersAt64k() throws Exception {
        for (String server : List.of("loomux", "jdk")) {
            List<String> args = List.of("-p", "0", "-b", "127.0.0.1", "--server", server);
            try (HttpCommands.Running r = HttpCommands.startHello(HttpCommands.parseHello(args)); HttpClient c = client()) {
                HttpResponse<String> h = get(c, "http://127.0.0.1:" + r.server().getAddress().getPort() + "/64k");
                assertEquals(h.statusCode(), 200, server);
                assertEquals(h.headers().firstValue("content-type").orElse(""), "text/plain; charset=utf-8", server);
                String line = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk\n";
                assertEquals(h.body(), line.repeat(1024), server);
                assertEquals(h.body().length(), 65_536, server);
            }
        }
    }

    /**
     * {@code --server provider} runs the handler on whatever provider the JDK's own lookup picks:
     * here loomux's, the one provider on the test class path (unless an earlier test in this JVM
     * had the lookup settle on the JDK's), with the same answer as the other servers.
     */
    @Test(timeOut = 30_000)
    public void helloAnswersOnTheProviderTheJdkFinds() throws Exception {
        HttpCommands.HelloOptions o = HttpCommands.parseHello(List.of("-p", "0", "-b", "127.0.0.1", "--server", "provider"));
        assertEquals(o.server(), HttpCommands.HelloServer.PROVIDER);
        try (HttpCommands.Running r = HttpCommands.startHello(o); HttpClient c = client()) {
            Class<?> provider = HttpServerProvider.provider().getClass();
            assertEquals(origin(r.server().getClass()), origin(provider), "the server comes from " + provider.getName());
            assertNull(r.runtime(), "no loomux runtime of the command's own");
            HttpResponse<String> h = get(c, "http://127.0.0.1:" + r.server().getAddress().getPort() + "/");
            assertEquals(h.statusCode(), 200);
            assertEquals(h.body(), "Hello, world!\n");
            assertEquals(h.headers().firstValue("content-type").orElse(""), "text/plain; charset=utf-8");
        }
    }

    /** Where a class was loaded from: its module and, on the class path, its jar or directory. */
    private static String origin(Class<?> c) {
        java.security.CodeSource source = c.getProtectionDomain().getCodeSource();
        return c.getModule() + " " + (source == null ? "the JDK" : source.getLocation());
    }

    @DataProvider(name = "helloServers")
    public static Object[][] helloServers() {
        return new Object[][] {{"loomux"}, {"jdk"}, {"provider"}};
    }

    /**
     * HEAD gets the headers a GET would (its Content-Length included) and no body, and the server
     * logs nothing: the handler once gave HEAD a length and wrote the body, a warning and a
     * failed write (with its stack trace) per request.
     */
    @Test(dataProvider = "helloServers", timeOut = 90_000)
    public void helloAnswersHeadWithTheHeadersOfAGetAndNoBody(String server) throws Exception {
        try (CliChild child = CliChild.start(List.of("hello", "-p", "0", "-b", "127.0.0.1", "--server", server));
             HttpClient c = client()) {
            await().atMost(Duration.ofSeconds(30)).alias("hello says it listens")
                    .until(() -> child.out().contains("hello server on"));
            Matcher m = Pattern.compile("hello server on 127\\.0\\.0\\.1:(\\d+) ").matcher(child.out());
            assertTrue(m.find(), child.out());
            URI uri = URI.create("http://127.0.0.1:" + m.group(1) + "/");
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> head = c.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(head.statusCode(), 200);
                assertEquals(head.body(), "");
                assertEquals(head.headers().firstValue("content-length").orElse(null), "14", head.headers().toString());
                assertEquals(head.headers().firstValue("content-type").orElse(""), "text/plain; charset=utf-8");
            }
            assertEquals(get(c, uri.toString()).body(), "Hello, world!\n", "a GET after the HEADs");
            child.terminate();
            assertEquals(child.err(), "", "what the server wrote to stderr");
        }
    }
}
