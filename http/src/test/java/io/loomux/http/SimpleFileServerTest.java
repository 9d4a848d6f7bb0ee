package io.loomux.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpHandlers;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.SimpleFileServer;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
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

    private HttpServer fileServer(Impl impl) throws IOException {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        server.createContext("/", SimpleFileServer.createFileHandler(root));
        return server;
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void directoryListingNamesTheFiles(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (HttpClient client = client()) {
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
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void filesWithTheirContentType(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> hello = get(client, server, "/hello.txt");
                assertEquals(hello.statusCode(), 200);
                assertEquals(hello.body(), HELLO);
                assertEquals(hello.headers().firstValue("Content-Type").orElse(null), "text/plain");
                assertEquals(hello.headers().firstValueAsLong("Content-Length").orElse(-1), HELLO.length());
                assertEquals(hello.headers().firstValue("Last-Modified").orElse(null), "Tue, 2 Jan 2024 03:04:05 GMT");

                HttpResponse<String> spaced = get(client, server, "/with%20space.txt");
                assertEquals(spaced.statusCode(), 200);
                assertEquals(spaced.body(), "spaced out\n");

                assertEquals(get(client, server, "/sub/nested.txt").body(), "nested\n");

                HttpResponse<byte[]> blob = client.send(request(server, "/blob.unknownext").build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(blob.statusCode(), 200);
                assertEquals(blob.body(), new byte[] {0, 1, 2, 3, (byte) 0xff});
                assertEquals(blob.headers().firstValue("Content-Type").orElse(null), "application/octet-stream");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void indexHtmlAndDirectoryRedirect(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> index = get(client, server, "/site/");
                assertEquals(index.statusCode(), 200);
                assertEquals(index.body(), "<html><body>index page</body></html>\n");
                assertEquals(index.headers().firstValue("Content-Type").orElse(null), "text/html");

                HttpResponse<String> bare = get(client, server, "/site");
                assertEquals(bare.statusCode(), 301, "a directory without its slash");
                assertEquals(bare.headers().firstValue("Location").orElse(null), "/site/");
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void missingFileIs404(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (HttpClient client = client()) {
                for (String path : List.of("/missing.txt", "/sub/missing/deeper.txt", "/hello.txt/more")) {
                    HttpResponse<String> r = get(client, server, path);
                    assertEquals(r.statusCode(), 404, path);
                    assertTrue(r.body().contains("<h1>"), "the 404 page: " + r.body());
                }
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void unsupportedMethods(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> post = client.send(request(server, "/hello.txt")
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(post.statusCode(), 405);
                assertEquals(post.headers().firstValue("Allow").orElse(null), "HEAD, GET");
                HttpResponse<String> odd = client.send(request(server, "/hello.txt")
                        .method("FROB", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(odd.statusCode(), 501);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void headHasHeadersAndNoBody(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("HEAD /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String head = raw.readHead();
                assertEquals(status(head), 200, head);
                assertEquals(header(head, "Content-Length"), String.valueOf(HELLO.length()), head);
                assertEquals(header(head, "Content-Type"), "text/plain", head);
                assertNotNull(header(head, "Last-Modified"), head);

                raw.send("HEAD /sub/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String listing = raw.readHead();
                assertEquals(status(listing), 200, "HEAD right after HEAD: a body of the first would show here: " + listing);
                assertTrue(Integer.parseInt(header(listing, "Content-Length")) > 0, listing);

                // Had either HEAD response carried a body, its bytes would come before this one.
                raw.send("GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                String rest = new String(raw.readToEnd(), ISO_8859_1);
                assertTrue(rest.startsWith("HTTP/1.1 200"), "after the HEADs: " + rest);
                assertTrue(rest.endsWith("\r\n\r\n" + HELLO), rest);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * JDK 25's file handler ({@code sun.net.httpserver.simpleserver.FileServerHandler}) has no
     * conditional GET: it sends Last-Modified but ignores If-Modified-Since, and answers 200 with
     * the whole file. The same handler behaves the same on every implementation.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void ifModifiedSinceIsIgnoredByTheJdkFileHandler(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            try (HttpClient client = client()) {
                String lastModified = get(client, server, "/hello.txt").headers().firstValue("Last-Modified").orElseThrow();
                HttpResponse<String> again = client.send(request(server, "/hello.txt")
                        .header("If-Modified-Since", lastModified).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(again.statusCode(), 200);
                assertEquals(again.body(), HELLO);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * A conditional GET put in front of the file handler with the JDK's {@link HttpHandlers}:
     * If-Modified-Since equal to the file's Last-Modified gets 304, with no body on the wire.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void notModifiedHasNoBody(Impl impl) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        try {
            HttpHandler files = SimpleFileServer.createFileHandler(root);
            String lastModified = "Tue, 2 Jan 2024 03:04:05 GMT";
            server.createContext("/", HttpHandlers.handleOrElse(
                    r -> lastModified.equals(r.getRequestHeaders().getFirst("If-Modified-Since")),
                    HttpHandlers.of(304, Headers.of("Last-Modified", lastModified), ""),
                    files));
            server.start();
            try (RawClient raw = new RawClient(server.getAddress().getPort())) {
                raw.send("GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                String full = raw.readHead();
                assertEquals(status(full), 200, full);
                assertEquals(header(full, "Last-Modified"), lastModified, full);
                assertEquals(new String(raw.readBody(Integer.parseInt(header(full, "Content-Length"))), ISO_8859_1), HELLO);

                raw.send("GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-Modified-Since: " + lastModified + "\r\n\r\n");
                String notModified = raw.readHead();
                assertEquals(status(notModified), 304, notModified);
                assertEquals(header(notModified, "Transfer-Encoding"), null, notModified);

                // Had the 304 carried a body, its bytes would come before this response.
                raw.send("GET /sub/nested.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                String rest = new String(raw.readToEnd(), ISO_8859_1);
                assertTrue(rest.startsWith("HTTP/1.1 200"), "after the 304: " + rest);
                assertTrue(rest.endsWith("\r\n\r\nnested\n"), rest);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * Paths sent exactly as written reach the handler (so the traversal test below tests the
     * handler, not a client's normalisation); a dot segment is refused with 404 even when it
     * stays inside the root, since the JDK's handler takes "." and ".." for hidden files.
     */
    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void rawPathsReachTheHandler(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
            for (String target : List.of("/hello.txt", "/%68ello.txt", "/sub/nested.txt", "/sub%2fnested.txt")) {
                String response = rawGet(server, target);
                assertTrue(response.startsWith("HTTP/1.1 200"), target + " -> " + response);
                assertFalse(response.contains(SECRET), target + " -> " + response);
            }
            for (String target : List.of("/sub/../hello.txt", "/sub/%2e%2e/hello.txt", "/./hello.txt")) {
                String response = rawGet(server, target);
                assertEquals(status(response), 404, target + " -> " + response);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void pathTraversalNeverLeavesTheRoot(Impl impl) throws Exception {
        HttpServer server = fileServer(impl);
        try {
            server.start();
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
        } finally {
            server.stop(0);
        }
    }

    /**
     * {@code SimpleFileServer.createFileServer} makes its server with
     * {@code HttpServerProvider.provider()}, which finds loomux through {@code ServiceLoader}.
     */
    @Test(timeOut = TIMEOUT)
    public void createFileServerRunsOnLoomux() throws Exception {
        HttpServer server = SimpleFileServer.createFileServer(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), root, SimpleFileServer.OutputLevel.NONE);
        try {
            assertEquals(server.getClass().getName(), "io.loomux.http.internal.LoomuxHttpServer");
            server.start();
            try (HttpClient client = client()) {
                HttpResponse<String> r = get(client, server, "/hello.txt");
                assertEquals(r.statusCode(), 200);
                assertEquals(r.body(), HELLO);
                assertEquals(get(client, server, "/nope.txt").statusCode(), 404);
            }
        } finally {
            server.stop(0);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpRequest.Builder request(HttpServer server, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10));
    }

    private static HttpResponse<String> get(HttpClient client, HttpServer server, String path) throws Exception {
        return client.send(request(server, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the whole response to a GET of exactly {@code target}, sent on a new connection */
    private static String rawGet(HttpServer server, String target) throws IOException {
        try (RawClient raw = new RawClient(server.getAddress().getPort())) {
            raw.send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            return new String(raw.readToEnd(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String response) {
        String[] parts = response.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            fail("not a status line: " + response);
        }
        return Integer.parseInt(parts[1].trim());
    }

    /** @return the first value of the field in a response head, or null */
    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** A raw HTTP client on one socket to 127.0.0.1: clients normalise paths, this sends them as given. */
    private static final class RawClient implements AutoCloseable {
        private static final int MAX_HEAD = 64 * 1024;
        private static final int MAX_BODY = 1024 * 1024;

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        RawClient(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void send(String request) throws IOException {
            out.write(request.getBytes(ISO_8859_1));
            out.flush();
        }

        /** @return a response head up to and including its blank line */
        String readHead() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int state = 0;
            // Bounded by MAX_HEAD bytes and the deadline (each read by the socket timeout).
            for (int i = 0; i < MAX_HEAD && System.nanoTime() < deadline; i++) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("end of stream within a response head: " + b.toString(ISO_8859_1));
                }
                b.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) ? state + 1
                        : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
                if (state == 4) {
                    return b.toString(ISO_8859_1);
                }
            }
            throw new IOException("no complete response head: " + b.toString(ISO_8859_1));
        }

        byte[] readBody(int length) throws IOException {
            byte[] b = in.readNBytes(length);
            if (b.length != length) {
                throw new EOFException("body ended after " + b.length + " of " + length + " bytes");
            }
            return b;
        }

        /** @return what arrives until the server closes; a reset counts as the end */
        byte[] readToEnd() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // Bounded by MAX_BODY bytes and the deadline (each read by the socket timeout).
            while (b.size() < MAX_BODY) {
                if (System.nanoTime() > deadline) {
                    throw new SocketTimeoutException("the server did not close; so far: " + b.toString(ISO_8859_1));
                }
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    throw e;
                } catch (SocketException reset) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                b.write(buf, 0, n);
            }
            return b.toByteArray();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
