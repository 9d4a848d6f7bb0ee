package io.loomux.server;

import org.testng.annotations.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.loomux.server.TestSupport.closedByServer;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static io.loomux.server.TestSupport.receive;
import static io.loomux.server.TestSupport.send;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

public class ShutdownTest {

    @Test
    public void aHandlerParkedInReadIsWokenWithAnExceptionAfterTheGrace() throws Exception {
        CompletableFuture<Throwable> woke = new CompletableFuture<>();
        ConnectionHandler h = c -> {
            try {
                c.read(ByteBuffer.allocate(16));
                woke.complete(null);
            } catch (Throwable t) {
                woke.complete(t);
                throw t;
            }
        };
        TcpServer server = TcpServer.builder().handler(h).start();
        try (Socket s = connect(server.address())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 1);
            long start = System.nanoTime();
            assertFalse(server.shutdown(Duration.ofMillis(300)), "the handler did not finish in time");
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "waited the grace");
            Throwable t = woke.get(5, TimeUnit.SECONDS);
            assertTrue(t instanceof IOException, "woken with an IOException, not " + t);
            assertTrue(server.isTerminated());
            assertTrue(closedByServer(s));
            assertEquals(server.stats().active(), 0);
        }
    }

    @Test
    public void aHandlerThatFinishesWithinTheGraceMakesShutdownReturnTrue() throws Exception {
        ConnectionHandler h = c -> {
            ByteBuffer b = ByteBuffer.allocate(1);
            c.read(b);
            b.flip();
            c.write(b);
        };
        TcpServer server = TcpServer.builder().handler(h).start();
        try (Socket s = connect(server.address())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 1);
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    result.complete(server.shutdown(Duration.ofSeconds(30)));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            // No longer accepting: the listener is closed, so a new client is refused.
            await().atMost(5, TimeUnit.SECONDS).until(() -> refused(server));
            assertFalse(result.isDone(), "still waiting for the handler");
            assertEquals(echo(s, "x"), "x");
            assertTrue(result.get(10, TimeUnit.SECONDS));
            assertTrue(server.awaitTermination(Duration.ofSeconds(1)));
            // Idempotent, with the first call's answer.
            assertTrue(server.shutdown(Duration.ZERO));
            server.close();
        }
    }

    @Test
    public void aShorterSecondShutdownBringsTheDeadlineForward() throws Exception {
        ConnectionHandler h = c -> c.read(ByteBuffer.allocate(1));
        TcpServer server = TcpServer.builder().handler(h).start();
        try (Socket s = connect(server.address())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 1);
            CompletableFuture<Boolean> first = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    first.complete(server.shutdown(Duration.ofMinutes(10)));
                } catch (Throwable t) {
                    first.completeExceptionally(t);
                }
            });
            await().atMost(5, TimeUnit.SECONDS).until(server::isShutdown);
            server.close(); // grace zero: the ten minutes end now
            assertTrue(server.isTerminated());
            assertFalse(first.get(5, TimeUnit.SECONDS));
            assertTrue(closedByServer(s));
        }
    }

    @Test
    public void aHandlerMayShutDownItsOwnServer() throws Exception {
        AtomicReference<TcpServer> self = new AtomicReference<>();
        ConnectionHandler h = c -> {
            c.read(ByteBuffer.allocate(1));
            boolean clean = self.get().shutdown(Duration.ofSeconds(10));
            c.write(ByteBuffer.wrap((clean ? "bye" : "bad").getBytes()));
        };
        TcpServer server = TcpServer.builder().handler(h).start();
        self.set(server);
        try (Socket s = connect(server.address())) {
            send(s, "q");
            assertEquals(receive(s, 3), "bye");
            assertTrue(closedByServer(s));
            assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
        }
    }

    @Test
    public void closeOnAnInterruptedThreadStillShutsDownAndKeepsTheInterrupt() throws Exception {
        ConnectionHandler h = c -> c.read(ByteBuffer.allocate(1));
        TcpServer server = TcpServer.builder().handler(h).start();
        try (Socket s = connect(server.address())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.stats().active() == 1);
            Thread.currentThread().interrupt();
            try {
                server.close();
                assertTrue(Thread.currentThread().isInterrupted(), "interrupt status kept");
            } finally {
                Thread.interrupted();
            }
            assertTrue(server.isTerminated());
            assertTrue(closedByServer(s));
        }
    }

    @Test
    public void withNoConnectionsShutdownIsCleanAndQuick() throws Exception {
        TcpServer server = TcpServer.builder().handler(TestSupport.ECHO).start();
        assertTrue(server.shutdown(Duration.ofMinutes(1)));
        assertTrue(refused(server));
    }

    private static boolean refused(TcpServer server) throws IOException {
        try (Socket probe = new Socket()) {
            probe.connect(server.address(), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        }
    }
}
