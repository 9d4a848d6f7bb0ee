package io.loomux.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpHandlers;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static io.loomux.http.Clients.assertResponse;
import static io.loomux.http.Clients.get;
import static io.loomux.http.Clients.request;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

/**
 * The JDK's {@link SimpleFileServer} file handler served by each implementation: listings,
 * files and their types, 404, HEAD, conditional requests and path traversal; and
 * {@code SimpleFileServer.createFileServer}, which finds loomux through
 * {@code HttpServerProvider.provider()} because this module is on the test class path.
 */
public class SimpleFileServerTest {

    private static final int TIMEOUT = 30_000;
    private static final String SECRET = "TOP-SECRET-outside-the-root";
    private static final String HELLO = "hello world\n";

    private Path base;
    private Path root;

    @BeforeClass
    public void makeTree() throws IOException {
        base = Files.createTempDirectory("loomux-sfs-");
        // Outside the served root: no request may reach it.
        Files.writeString(base.resolve("secret.txt"), SECRET);
        root = Files.createDirectory(base.resolve("root"));
        Files.writeString(root.resolve("hello.txt"), HELLO);
        Files.writeString(root.resolve("with space.txt"), "spaced out\n");
        Files.write(root.resolve("blob.unknownext"), new byte[] {0, 1, 2, 3, (byte) 0xff});
        Path sub = Files.createDirectory(root.resolve("sub"));
        Files.writeString(sub.resolve("nested.txt"), "nested\n");
        Path site = Files.createDirectory(root.resolve("site"));
        Files.writeString(site.resolve("index.html"), "<html><body>index page</body></html>\n");
        Files.writeString(site.resolve("other.txt"), "other\n");
        // A whole second in the past, so that Last-Modified (second precision) is exact.
        Files.setLastModifiedTime(root.resolve("hello.txt"), FileTime.from(Instant.parse("2024-01-02T03:04:05Z")));
    }

    @AfterClass(alwaysRun = true)
    public void removeTree() throws IOException {
        if (base == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The file handler for the root at /, on the implementation's server, with a client. */
    private void withFiles(Impl impl, Servers.ClientRun test) throws Exception {
        Servers.client(impl, Servers.context("/", SimpleFileServer.createFileHandler(root)), test);
    }

    /** The file handler for the root at /, on the implementation's server. */
    private void withFiles(Impl impl, Servers.Run<HttpServer> test) throws Exception {
        Servers.run(impl, Servers.context("/", SimpleFileServer.createFileHandler(root)), test);
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void directoryListingNamesTheFiles(Impl impl) throws Exception {
        withFiles(impl, (server, client) -> {
            HttpResponse<String> r = get(client, server, "/");
            assertEquals(r.statusCode(), 200);
            assertEquals(r.headers().firstValue("Content-Type").orElse(null), "text/html; charset=UTF-8");
            String body = r.body();
            for (String href : List.of("hello.txt", "with%20space.txt", "blob.unknownext", "sub/", "site/")) {
                assertTrue(body.contains("<a href=\"" + href + "\">"), "no link to " + href + " in " + body);
            }
            assertFalse(body.contains("secret"), "the listing shows a file outside the root: " + body);
            assertFalse(body.contains("nested.txt"), "the listing of / is not recursive");

            HttpResponse<String> sub = get(client, server, "/sub/");
            assertEquals(sub.statusCode(), 200);
            assertTrue(sub.body().contains("<a href=\"nested.txt\">"), sub.body());
            assertFalse(sub.body().contains("hello.txt"), sub.body());
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filesWithTheirContentType(Impl impl) throws Exception {
        withFiles(impl, (server, client) -> {
            HttpResponse<String> hello = get(client, server, "/hello.txt");
            assertResponse(hello, 200, HELLO);
            assertEquals(hello.headers().firstValue("Content-Type").orElse(null), "text/plain");
            assertEquals(hello.headers().firstValueAsLong("Content-Length").orElse(-1), HELLO.length());
            assertEquals(hello.headers().firstValue("Last-Modified").orElse(null), "Tue, 2 Jan 2024 03:04:05 GMT");

            assertResponse(get(client, server, "/with%20space.txt"), 200, "spaced out\n");

            assertEquals(get(client, server, "/sub/nested.txt").body(), "nested\n");

            HttpResponse<byte[]> blob = client.send(request(server, "/blob.unknownext").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(blob.statusCode(), 200);
            assertEquals(blob.body(), new byte[] {0, 1, 2, 3, (byte) 0xff});
            assertEquals(blob.headers().firstValue("Content-Type").orElse(null), "application/octet-stream");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void indexHtmlAndDirectoryRedirect(Impl impl) throws Exception {
        withFiles(impl, (server, client) -> {
            HttpResponse<String> index = get(client, server, "/site/");
            assertResponse(index, 200, "<html><body>index page</body></html>\n");
            assertEquals(index.headers().firstValue("Content-Type").orElse(null), "text/html");

            HttpResponse<String> bare = get(client, server, "/site");
            assertEquals(bare.statusCode(), 301, "a directory without its slash");
            assertEquals(bare.headers().firstValue("Location").orElse(null), "/site/");
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void missingFileIs404(Impl impl) throws Exception {
        withFiles(impl, (server, client) -> {
            for (String path : List.of("/missing.txt", "/sub/missing/deeper.txt", "/hello.txt/more")) {
                HttpResponse<String> r = get(client, server, path);
                assertEquals(r.statusCode(), 404, path);
                assertTrue(r.body().contains("<h1>"), "the 404 page: " + r.body());
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void unsupportedMethods(Impl impl) throws Exception {
        withFiles(impl, (server, client) -> {
            HttpResponse<String> post = client.send(request(server, "/hello.txt")
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(post.statusCode(), 405);
            assertEquals(post.headers().firstValue("Allow").orElse(null), "HEAD, GET");
            HttpResponse<String> odd = client.send(request(server, "/hello.txt")
                    .method("FROB", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(odd.statusCode(), 501);
        });
    }

    /**
     * Sends a GET of the path that closes the connection, and checks that what comes (after
     * earlier responses of the connection, whose bodies must not show here) is one 200 whose
     * body ends the bytes.
     */
    private static void assertLastGet(RawHttp raw, String path, String body, String what) throws IOException {
        raw.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        String rest = RawHttp.latin1(raw.readUntilClose());
        assertTrue(rest.startsWith("HTTP/1.1 200"), what + ": " + rest);
        assertTrue(rest.endsWith("\r\n\r\n" + body), rest);
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void headHasHeadersAndNoBody(Impl impl) throws Exception {
        withFiles(impl, server -> Servers.raw(server, raw -> {
            raw.send("HEAD /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.Head head = raw.readHead();
            assertEquals(head.status(), 200, head.toString());
            assertEquals(head.header("Content-Length"), String.valueOf(HELLO.length()), head.toString());
            assertEquals(head.header("Content-Type"), "text/plain", head.toString());
            assertNotNull(head.header("Last-Modified"), head.toString());

            raw.send("HEAD /sub/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.Head listing = raw.readHead();
            assertEquals(listing.status(), 200, "HEAD right after HEAD: a body of the first would show here: " + listing);
            assertTrue(Integer.parseInt(listing.header("Content-Length")) > 0, listing.toString());

            // Had either HEAD response carried a body, its bytes would come before this one.
            assertLastGet(raw, "/hello.txt", HELLO, "after the HEADs");
        }));
    }

    /**
     * JDK 25's file handler ({@code sun.net.httpserver.simpleserver.FileServerHandler}) has no
     * conditional GET: it sends Last-Modified but ignores If-Modified-Since, and answers 200 with
     * the whole file. The same handler behaves the same on every implementation.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void ifModifiedSinceIsIgnoredByTheJdkFileHandler(Impl impl) throws Exception {
        withFiles(impl, (server, client) -> {
            String lastModified = get(client, server, "/hello.txt").headers().firstValue("Last-Modified").orElseThrow();
            HttpResponse<String> again = client.send(request(server, "/hello.txt")
                    .header("If-Modified-Since", lastModified).build(), HttpResponse.BodyHandlers.ofString());
            assertResponse(again, 200, HELLO);
        });
    }

    /**
     * A conditional GET put in front of the file handler with the JDK's {@link HttpHandlers}:
     * If-Modified-Since equal to the file's Last-Modified gets 304, with no body on the wire.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void notModifiedHasNoBody(Impl impl) throws Exception {
        HttpHandler files = SimpleFileServer.createFileHandler(root);
        String lastModified = "Tue, 2 Jan 2024 03:04:05 GMT";
        Servers.raw(impl, Servers.context("/", HttpHandlers.handleOrElse(
                r -> lastModified.equals(r.getRequestHeaders().getFirst("If-Modified-Since")),
                HttpHandlers.of(304, Headers.of("Last-Modified", lastModified), ""),
                files)), raw -> {
            raw.send("GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.Head full = raw.readHead();
            assertEquals(full.status(), 200, full.toString());
            assertEquals(full.header("Last-Modified"), lastModified, full.toString());
            assertEquals(RawHttp.latin1(raw.readExactly(Integer.parseInt(full.header("Content-Length")))), HELLO);

            raw.send("GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-Modified-Since: " + lastModified + "\r\n\r\n");
            RawHttp.Head notModified = raw.readHead();
            assertEquals(notModified.status(), 304, notModified.toString());
            assertEquals(notModified.header("Transfer-Encoding"), null, notModified.toString());

            // Had the 304 carried a body, its bytes would come before this response.
            assertLastGet(raw, "/sub/nested.txt", "nested\n", "after the 304");
        });
    }

    /**
     * Paths sent exactly as written reach the handler (so the traversal test below tests the
     * handler, not a client's normalisation); a dot segment is refused with 404 even when it
     * stays inside the root, since the JDK's handler takes "." and ".." for hidden files.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void rawPathsReachTheHandler(Impl impl) throws Exception {
        withFiles(impl, server -> {
            for (String target : List.of("/hello.txt", "/%68ello.txt", "/sub/nested.txt", "/sub%2fnested.txt")) {
                String response = rawGet(server, target);
                assertTrue(response.startsWith("HTTP/1.1 200"), target + " -> " + response);
                assertFalse(response.contains(SECRET), target + " -> " + response);
            }
            for (String target : List.of("/sub/../hello.txt", "/sub/%2e%2e/hello.txt", "/./hello.txt")) {
                String response = rawGet(server, target);
                assertEquals(status(response), 404, target + " -> " + response);
            }
        });
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void pathTraversalNeverLeavesTheRoot(Impl impl) throws Exception {
        withFiles(impl, server -> {
            List<String> targets = List.of(
                    "/../secret.txt",
                    "/../../secret.txt",
                    "/sub/../../secret.txt",
                    "/%2e%2e/secret.txt",
                    "/%2E%2E/secret.txt",
                    "/.%2e/secret.txt",
                    "/..%2fsecret.txt",
                    "/..%2Fsecret.txt",
                    "/%2e%2e%2fsecret.txt",
                    "/sub/..%2f..%2fsecret.txt",
                    "/sub%2f..%2f..%2fsecret.txt",
                    "/..%5csecret.txt",
                    "/%2e%2e%5csecret.txt",
                    "//../secret.txt",
                    "/root/../secret.txt",
                    "/../root/../secret.txt");
            for (String target : targets) {
                String response = rawGet(server, target);
                assertFalse(response.contains(SECRET), target + " served a file outside the root: " + response);
                int code = status(response);
                assertTrue(code == 400 || code == 404, target + " -> " + code + ": " + response);
            }
        });
    }

    /**
     * {@code SimpleFileServer.createFileServer} makes its server with
     * {@code HttpServerProvider.provider()}, which finds loomux through {@code ServiceLoader}.
     */
    @Test(timeOut = TIMEOUT)
    public void createFileServerRunsOnLoomux() throws Exception {
        HttpServer server = SimpleFileServer.createFileServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), root, SimpleFileServer.OutputLevel.NONE);
        Servers.run(server, s -> assertEquals(s.getClass().getName(), "io.loomux.http.internal.LoomuxHttpServer"),
                started -> Servers.client(started, (s, client) -> {
                    assertResponse(get(client, s, "/hello.txt"), 200, HELLO);
                    assertEquals(get(client, s, "/nope.txt").statusCode(), 404);
                }));
    }

    // ---------------------------------------------------------------- helpers

    /** @return the whole response to a GET of exactly {@code target}, sent on a new connection */
    private static String rawGet(HttpServer server, String target) throws IOException {
        try (RawHttp raw = RawHttp.connect(server)) {
            raw.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            return new String(raw.readUntilClose(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String response) {
        String[] parts = response.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            fail("not a status line: " + response);
        }
        return Integer.parseInt(parts[1].trim());
    }
}
