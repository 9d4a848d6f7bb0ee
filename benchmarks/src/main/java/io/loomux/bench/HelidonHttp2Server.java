package io.loomux.bench;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.WebServer;
import io.loomux.cli.SixtyFourK;

import java.nio.charset.StandardCharsets;

/**
 * The HTTP/2 peer from the virtual-thread world: Helidon 4's SE webserver with its HTTP/2
 * (h2c with prior knowledge among it), serving the h2 case's answers.
 *
 * <p>Usage: {@code HelidonHttp2Server PORT}. Binds 127.0.0.1, prints {@code listening on PORT
 * (helidon http2)} once started and runs until killed; exits 2 on bad arguments.
 *
 * <p>{@code GET /} gets status 200, {@code content-type: text/plain; charset=utf-8} and the 14
 * bytes {@code Hello, world!\n}; {@code GET /64k} the same with {@link SixtyFourK#body()}. It runs
 * from target/peers/helidon-h2.classpath (see the module's pom): Helidon's server finds its HTTP/2
 * there through its service files, which the HTTP case's class path leaves out. Unlike
 * {@link HelidonHttpServer} it turns Nagle's algorithm off (TCP_NODELAY), as the Netty and loomux
 * servers of the case do: with it on, a connection's small frames wait for the client's delayed
 * acknowledgement, about 40 ms a round trip, and one connection measures that wait.
 */
public final class HelidonHttp2Server {

    private static final byte[] HELLO = "Hello, world!\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BIG = SixtyFourK.body();
    /** Made once: Helidon writes a prepared header without encoding it again. */
    private static final Header CONTENT_TYPE = HeaderValues.createCached(HeaderNames.CONTENT_TYPE,
            "text/plain; charset=utf-8");

    private HelidonHttp2Server() {
    }

    /**
     * @param args the port
     */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: HelidonHttp2Server PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .routing(r -> r.get("/", (req, res) -> {
                    res.header(CONTENT_TYPE);
                    res.send(HELLO);
                }).get("/64k", (req, res) -> {
                    res.header(CONTENT_TYPE);
                    res.send(BIG);
                }))
                .build()
                .start();
        System.out.println("listening on " + server.port() + " (helidon http2)");
        System.out.flush();
    }
}
