package io.loomux.bench;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP peer from the virtual-thread world: Helidon 4's SE webserver (a virtual thread per
 * connection, its own HTTP/1.1 code) serving the same answer as {@code loomux hello}.
 *
 * <p>Usage: {@code HelidonHttpServer PORT}. Binds 127.0.0.1, prints {@code listening on PORT
 * (helidon)} once started and runs until killed; exits 2 on bad arguments.
 *
 * <p>{@code GET /} gets {@code 200 OK}, {@code Content-Type: text/plain; charset=utf-8} and the
 * 14 bytes {@code Hello, world!\n}; Helidon sets the length and honours keep-alive itself. It
 * runs from a class path of its own (target/peers/helidon.classpath, see the module's pom), not
 * from the shaded jar's copy of its jars.
 */
public final class HelidonHttpServer {

    private static final byte[] HELLO = "Hello, world!\n".getBytes(StandardCharsets.US_ASCII);
    /** Made once: Helidon writes a prepared header without encoding it again. */
    private static final Header CONTENT_TYPE = HeaderValues.createCached(HeaderNames.CONTENT_TYPE,
            "text/plain; charset=utf-8");

    private HelidonHttpServer() {
    }

    /**
     * @param args the port
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: HelidonHttpServer PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(r -> r.get("/", (req, res) -> {
                    res.header(CONTENT_TYPE);
                    res.send(HELLO);
                }))
                .build()
                .start();
        System.out.println("listening on " + server.port() + " (helidon)");
        System.out.flush();
    }
}
