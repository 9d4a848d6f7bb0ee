package io.loomux.bench.soak;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.LoomuxHttpServerProvider;
import io.loomux.tck.faults.FaultPlan;
import org.testng.annotations.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The soak's h2 kind speaks HTTP/2 over TLS only where ALPN chose h2: against an HTTPS server
 * with HTTP/2 on, a message goes and comes back on a stream; against one with HTTP/2 off, the
 * client refuses at the handshake, naming ALPN, instead of sending a preface that server would
 * read as a bad HTTP/1.1 request.
 */
public class H2OverTlsTest {

    private static final Faults NONE = new Faults(FaultPlan.none());

    @Test
    public void aMessageGoesOverH2WhenAlpnChoseIt() throws Exception {
        overTls(true, w -> {
            w.http2();
            byte[] msg = "over h2, over TLS".getBytes(StandardCharsets.US_ASCII);
            w.send(msg, false);
            assertEquals(w.receive(msg.length), msg);
            w.send(msg, true);
            assertEquals(w.receive(msg.length), msg);
        });
    }

    @Test
    public void aServerThatDoesNotChooseH2IsABadAnswer() throws Exception {
        overTls(false, w -> {
            Wire.BadAnswer e = expectThrows(Wire.BadAnswer.class, w::http2);
            assertTrue(e.getMessage().startsWith("ALPN chose no protocol where the client offered h2 alone"),
                    e.getMessage());
        });
    }

    /** What a test does over its one connection. */
    private interface OverWire {
        void on(Wire w) throws Exception;
    }

    /** Runs {@code test} on a connection to an HTTPS server with HTTP/2 on or off. */
    private static void overTls(boolean http2, OverWire test) throws Exception {
        Certificates certs = Certificates.make();
        try (Loomux runtime = Loomux.builder().pollers(1).build()) {
            HttpsServer server = start(runtime, certs, http2);
            try (Wire w = Wire.open(target(server, certs), NONE)) {
                test.on(w);
            } finally {
                server.stop(0);
            }
        }
    }

    private static HttpsServer start(Loomux runtime, Certificates certs, boolean http2) throws Exception {
        HttpsServer server = new LoomuxHttpServerProvider(runtime, HttpServerSettings.builder().http2(http2).build())
                .createHttpsServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(certs.server()));
        server.createContext("/echo", new Echo(Echo.Tamper.NONE));
        server.start();
        return server;
    }

    private static Target target(HttpsServer server, Certificates certs) {
        return new Target("test/h2", Kind.H2, server.getAddress(), certs.client(), () -> -1);
    }
}
