package io.loomux.http;

import org.testng.annotations.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.testng.Assert.assertEquals;

/**
 * The simplest round trip on every implementation, a default client to a default server: if this
 * fails, read nothing else first.
 */
public class SmokeTest {

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = 20_000)
    public void getAndPost(Impl impl) throws Exception {
        Servers.run(impl, Servers.context("/echo", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            byte[] reply = (x.getRequestMethod() + " " + x.getRequestURI() + " " + new String(body, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, reply.length);
            x.getResponseBody().write(reply);
            x.close();
        }), server -> {
            // The default client asks to upgrade to h2c; loomux, with HTTP/2 on by default, agrees,
            // and the JDK's server, which has no HTTP/2, answers in HTTP/1.1.
            HttpClient.Version expected = impl.isJdk() ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2;
            try (HttpClient client = HttpClient.newHttpClient()) {
                URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/echo/a?q=" + i)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(r.statusCode(), 200);
                    assertEquals(r.body(), "GET /echo/a?q=" + i + " ");
                    assertEquals(r.version(), expected, impl.name());
                }
                HttpResponse<String> p = client.send(HttpRequest.newBuilder(base.resolve("/echo"))
                        .POST(HttpRequest.BodyPublishers.ofString("hello")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(p.body(), "POST /echo hello");
                assertEquals(p.version(), expected, impl.name());
            }
        });
    }
}
