package io.loomux.server;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;

import org.testng.annotations.Test;

/**
 * A {@link ReadableHandler} turn whose thread cannot start (out of memory, a saturated
 * scheduler) closes its connection through the server, so that the server's books stay right.
 */
public class TurnThreadFailureTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    /** Echoes what is queued; closes at end of stream. */
    private static final ReadableHandler ECHO_TURN = c -> {
        ByteBuffer b = ByteBuffer.allocate(256);
        int n;
        // Bounded by what is queued: readAvailable returns 0 once it is consumed.
        while ((n = c.readAvailable(b)) > 0) {
            b.flip();
            c.write(b);
            b.clear();
        }
        return n >= 0;
    };

    /**
     * Bytes arrive for a connection waiting between turns, and its turn's thread cannot start:
     * the connection closes, its place under the connection limit comes back, it leaves the
     * server's lists, and shutdown has nothing to wait for. (Before, only the runtime's
     * connection closed: the server kept it as waiting, the permit was never released, and
     * shutdown waited its full force period for a turn that would never run.)
     */
    @Test(timeOut = 60_000)
    public void aTurnWhoseThreadCannotStartClosesItsConnectionThroughTheServer() throws Exception {
        AtomicBoolean failing = new AtomicBoolean(true);
        ThreadFactory virtual = Thread.ofVirtual().factory();
        ThreadFactory flaky = r -> {
            if (failing.get()) {
                throw new RejectedExecutionException("test: no thread for this turn");
            }
            return virtual.newThread(r);
        };
        TcpServer server = TcpServer.builder().readableHandler(ECHO_TURN).maxConnections(1).jmx(false)
                .turnThreads(flaky).start();
        try {
            try (Socket s = TestSupport.connect(server.address())) {
                // Waiting between turns, armed: the bytes below reach it through the poller.
                await().atMost(PATIENCE).until(() -> server.connections().size() == 1);
                TestSupport.send(s, "x");
                assertTrue(TestSupport.closedByServer(s), "the connection closed");
            }
            await("the connection's place back").atMost(PATIENCE).until(() -> server.stats().active() == 0);
            assertEquals(server.connections(), List.of());
            failing.set(false);
            try (Socket s = TestSupport.connect(server.address())) {
                assertEquals(TestSupport.echo(s, "served"), "served", "the only place under the limit is free again");
            }
            // A grace, not zero: the echo's client has just closed, and the turn that reads its
            // end of stream may still be running. The grace is short of what the test allows, so
            // a connection left waiting for a turn that never runs still fails it.
            long start = System.nanoTime();
            boolean clean = server.shutdown(GracefulShutdown.FORCE_WAIT.dividedBy(4));
            long took = System.nanoTime() - start;
            assertTrue(clean, "no turn was left to wait for");
            assertTrue(took < GracefulShutdown.FORCE_WAIT.toNanos() / 2, "shutdown took " + took / 1_000_000 + " ms");
        } finally {
            server.close();
        }
    }
}
