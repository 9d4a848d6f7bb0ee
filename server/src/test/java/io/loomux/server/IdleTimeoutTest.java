package io.loomux.server;

import org.testng.annotations.Test;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static io.loomux.server.TestSupport.ECHO;
import static io.loomux.server.TestSupport.closedByServer;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

public class IdleTimeoutTest {

    @Test
    public void anIdleConnectionIsClosed() throws Exception {
        try (TcpServer server = TcpServer.builder().handler(ECHO).idleTimeout(Duration.ofMillis(300)).start()) {
            long start = System.nanoTime();
            try (Socket s = connect(server.address())) {
                assertTrue(closedByServer(s), "closed within the socket timeout"); // bounded: 5 s
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "not before the timeout");
            }
            assertEquals(server.idleClosed(), 1);
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 0);
        }
    }

    @Test
    public void aBusyConnectionIsKeptOpen() throws Exception {
        try (TcpServer server = TcpServer.builder().handler(ECHO).idleTimeout(Duration.ofMillis(300)).start();
             Socket s = connect(server.address())) {
            // An echo every 50 ms for a second: more than three idle timeouts, never idle.
            await().pollInterval(Duration.ofMillis(50)).during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> echo(s, "p").equals("p"));
            assertEquals(server.idleClosed(), 0);
            assertTrue(closedByServer(s), "and closed once it goes quiet");
        }
    }

    @Test
    public void largeWritesAreSlicedAndCounted() throws Exception {
        int size = 3 * ServerConnection.WRITE_SLICE + 123;
        ConnectionHandler h = c -> {
            c.read(java.nio.ByteBuffer.allocate(1));
            java.nio.ByteBuffer big = java.nio.ByteBuffer.allocate(size);
            c.write(big);
            c.write(new java.nio.ByteBuffer[] {java.nio.ByteBuffer.allocate(size), java.nio.ByteBuffer.allocate(7)});
        };
        try (TcpServer server = TcpServer.builder().handler(h).idleTimeout(Duration.ofSeconds(30)).start();
             Socket s = connect(server.address())) {
            TestSupport.send(s, "g"); // exactly what the handler reads: unread data would make its close a reset
            assertEquals(s.getInputStream().readNBytes(2 * size + 7).length, 2 * size + 7);
            assertTrue(closedByServer(s));
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 0);
        }
    }
}
