package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import org.testng.annotations.Test;

import javax.net.ssl.SSLParameters;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/2 over TLS, chosen in the handshake (ALPN): the JDK's {@code HttpClient}, which asks for
 * h2 whenever a TLS server offers it, gets HTTP/2 from an {@code HttpsServer} that speaks it, and
 * the program's own {@code SSLParameters} still rule. On every backend.
 */
public class HttpsH2Test {

    private static final HttpServerSettings H2 = HttpServerSettings.builder().http2(true).build();

    /** An HTTPS server with the settings, whose handler echoes and says what it saw. */
    private static HttpsServer server(Impl impl, HttpServerSettings settings, HttpsConfigurator configurator)
            throws Exception {
        HttpsServer s = HttpProviders.withSettings(impl, settings)
                .createHttpsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(configurator);
        s.createContext("/", x -> {
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            String tls = x instanceof HttpsExchange h ? h.getSSLSession().getProtocol() : "none";
            byte[] head = (x.getProtocol() + " " + tls + " " + x.getRequestURI() + "\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            x.sendResponseHeaders(200, head.length + body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(head);
                out.write(body);
            }
        });
        s.start();
        return s;
    }

    private static HttpsConfigurator plain() {
        return new HttpsConfigurator(TestCertificates.serverContext());
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).sslContext(TestCertificates.clientContext())
                .version(HttpClient.Version.HTTP_2).build();
    }

    private static URI uri(HttpsServer s, String path) {
        return URI.create("https://localhost:" + s.getAddress().getPort() + path);
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void theJdkClientGetsHttp2AndTheHandlerAnHttpsExchange(Impl impl) throws Exception {
        HttpsServer s = server(impl, H2, plain());
        try (HttpClient client = client()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(s, "/x?y")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(r.version(), HttpClient.Version.HTTP_2);
            assertEquals(r.statusCode(), 200);
            assertTrue(r.body().startsWith("HTTP/2.0 TLSv1."), r.body());
            assertTrue(r.body().endsWith(" /x?y\n"), r.body());
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void manyRequestsAtOnceShareOneConnectionEachWhole(Impl impl) throws Exception {
        HttpsServer s = server(impl, H2, plain());
        try (HttpClient client = client()) {
            List<CompletableFuture<HttpResponse<byte[]>>> sent = new ArrayList<>();
            List<byte[]> bodies = new ArrayList<>();
            Random random = new Random(9113);
            for (int i = 0; i < 40; i++) {
                byte[] b = new byte[random.nextInt(200_000)];
                random.nextBytes(b);
                bodies.add(b);
                sent.add(client.sendAsync(HttpRequest.newBuilder(uri(s, "/" + i))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(b)).build(), HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (int i = 0; i < 40; i++) {
                HttpResponse<byte[]> r = sent.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(r.version(), HttpClient.Version.HTTP_2);
                byte[] head = ("HTTP/2.0 " + r.sslSession().orElseThrow().getProtocol() + " /" + i + "\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
                byte[] want = new byte[head.length + bodies.get(i).length];
                System.arraycopy(head, 0, want, 0, head.length);
                System.arraycopy(bodies.get(i), 0, want, head.length, bodies.get(i).length);
                assertEquals(r.body(), want, "request " + i);
            }
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aConfiguratorThatListsOnlyHttp11GetsHttp11(Impl impl) throws Exception {
        HttpsConfigurator onlyHttp11 = new HttpsConfigurator(TestCertificates.serverContext()) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setApplicationProtocols(new String[] {"http/1.1"});
                params.setSSLParameters(p);
            }
        };
        HttpsServer s = server(impl, H2, onlyHttp11);
        try (HttpClient client = client()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(s, "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(r.version(), HttpClient.Version.HTTP_1_1);
            assertTrue(r.body().startsWith("HTTP/1.1 "), r.body());
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void withHttp2OffTlsOffersOnlyHttp11(Impl impl) throws Exception {
        HttpsServer s = server(impl, HttpServerSettings.builder().http2(false).build(), plain());
        try (HttpClient client = client()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri(s, "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(r.version(), HttpClient.Version.HTTP_1_1);
        } finally {
            s.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void curlNegotiatesHttp2(Impl impl) throws Exception {
        HttpsServer s = server(impl, H2, plain());
        try {
            String got = Commands.curl("--http2", "--insecure", "-w", "version=%{http_version}",
                    "https://127.0.0.1:" + s.getAddress().getPort() + "/c");
            assertTrue(got.startsWith("HTTP/2.0 TLSv1.") && got.endsWith(" /c\nversion=2"), got);
        } finally {
            s.stop(0);
        }
    }
}
