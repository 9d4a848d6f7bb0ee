package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

/**
 * {@code Upgrade: h2c} (RFC 7540 section 3.2): what the JDK's {@code HttpClient} and
 * {@code curl --http2} send to an {@code http://} URL. A request whose upgrade is whole and whose
 * body fits a stream's window is answered 101 and served as HTTP/2's stream 1, and the connection
 * goes on in HTTP/2; any other is served as HTTP/1.1, correctly. On every backend.
 */
public class H2cUpgradeTest {

    private static final HttpServerSettings H2 = HttpServerSettings.builder().http2(true).build();

    private static HttpServer server(Impl impl) throws Exception {
        HttpServer s = Servers.withSettings(impl, H2);
        s.createContext("/", x -> {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            byte[] head = (x.getProtocol() + " " + x.getRequestMethod() + " " + x.getRequestURI() + " "
                    + body.length + "\n").getBytes(StandardCharsets.ISO_8859_1);
            x.sendResponseHeaders(200, head.length + body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(head);
                out.write(body);
            }
        });
        s.start();
        return s;
    }

    private static URI uri(HttpServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + path);
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void theJdkClientUpgradesAndGoesOnInHttp2(Impl impl) throws Exception {
        HttpServer s = server(impl);
        try (HttpClient client = client()) {
            HttpResponse<String> first = client.send(HttpRequest.newBuilder(uri(s, "/a?b")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(first.version(), HttpClient.Version.HTTP_2, "the upgraded request");
            assertEquals(first.body(), "HTTP/2.0 GET /a?b 0\n");
            HttpResponse<String> second = client.send(HttpRequest.newBuilder(uri(s, "/c"))
                    .POST(HttpRequest.BodyPublishers.ofString("over the upgraded connection")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(second.version(), HttpClient.Version.HTTP_2);
            assertEquals(second.body(), "HTTP/2.0 POST /c 28\nover the upgraded connection");
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void anUpgradeWithASmallBodyCarriesItToStreamOne(Impl impl) throws Exception {
        HttpServer s = server(impl);
        try (HttpClient client = client()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(s, "/small"))
                    .POST(HttpRequest.BodyPublishers.ofString("small body")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(r.body(), (r.version() == HttpClient.Version.HTTP_2 ? "HTTP/2.0" : "HTTP/1.1")
                    + " POST /small 10\nsmall body");
            assertEquals(r.version(), HttpClient.Version.HTTP_2, "a body within a window rides the upgrade");
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void anUpgradeWithABodyLargerThanAWindowIsServedAsHttp11(Impl impl) throws Exception {
        HttpServer s = server(impl);
        byte[] big = new byte[200_000];
        new Random(7540).nextBytes(big);
        try (HttpClient client = client()) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri(s, "/big"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(r.version(), HttpClient.Version.HTTP_1_1);
            byte[] head = "HTTP/1.1 POST /big 200000\n".getBytes(StandardCharsets.ISO_8859_1);
            byte[] want = new byte[head.length + big.length];
            System.arraycopy(head, 0, want, 0, head.length);
            System.arraycopy(big, 0, want, head.length, big.length);
            assertEquals(r.body(), want);
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void anIncompleteUpgradeIsServedAsHttp11(Impl impl) throws Exception {
        HttpServer s = server(impl);
        try (RawHttp c = RawHttp.connect(s)) {
            // No HTTP2-Settings: the upgrade cannot be taken (RFC 7540 section 3.2.1).
            c.send("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
            RawHttp.Response r = c.read();
            assertEquals(r.status(), 200);
            assertEquals(r.text(), "HTTP/1.1 GET /plain 0\n");
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void curlUpgrades(Impl impl) throws Exception {
        HttpServer s = server(impl);
        try {
            assertEquals(Commands.curl("--http2", "-w", "version=%{http_version}", uri(s, "/curl").toString()),
                    "HTTP/2.0 GET /curl 0\nversion=2");
        } finally {
            s.stop(0);
        }
    }
}
