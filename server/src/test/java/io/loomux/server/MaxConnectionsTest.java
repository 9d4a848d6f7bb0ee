package io.loomux.server;

import org.testng.annotations.Test;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.loomux.server.TestSupport.ECHO;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static io.loomux.server.TestSupport.receive;
import static io.loomux.server.TestSupport.send;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;

public class MaxConnectionsTest {

    @Test
    public void theClientOverTheLimitWaitsInTheBacklogUntilOneCloses() throws Exception {
        try (TcpServer server = TcpServer.builder().handler(ECHO).maxConnections(2).start();
             Socket b = connect(server.address())) {
            Socket a = connect(server.address()); // closed by hand, mid-test
            assertEquals(echo(a, "a"), "a");
            assertEquals(echo(b, "b"), "b");
            // The kernel completes the third handshake (the backlog), but nobody accepts it.
            try (Socket c = connect(server.address())) {
                send(c, "c");
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(3))
                        .until(() -> server.stats().accepted() == 2 && c.getInputStream().available() == 0);
                assertEquals(server.stats().active(), 2);

                a.close();
                await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().accepted() == 3);
                assertEquals(receive(c, 1), "c", "served once a place was free");
                assertEquals(echo(b, "b2"), "b2");
                await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 2);
            }
        }
    }
}
