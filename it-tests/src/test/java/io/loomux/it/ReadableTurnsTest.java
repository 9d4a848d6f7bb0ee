package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Loomux;
import io.loomux.server.ReadableHandler;
import io.loomux.server.TcpServer;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Scenario: connections that hold no thread while idle. {@link Connection#onReadable} (the
 * blocking layer's armed wait) and the server's {@link ReadableHandler} turns built on it: a turn
 * runs when bytes arrive, between turns no handler runs, nothing sent is lost or reordered, and
 * close, end of stream, idle timeout and shutdown end a connection whether or not a turn runs.
 */
public class ReadableTurnsTest extends BackendTestBase {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    /** Counts turns and how many run right now; echoes until a short read, as a turn should. */
    private static final class CountingEcho implements ReadableHandler {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger turns = new AtomicInteger();

        @Override
        public boolean serve(Connection c) throws IOException {
            running.incrementAndGet();
            turns.incrementAndGet();
            try {
                ByteBuffer buf = ByteBuffer.allocate(1024);
                // Each pass moves at least one byte; a client sends at most 256 KiB.
                for (int guard = 0; guard < 1 << 20; guard++) {
                    int n = c.readAvailable(buf);
                    if (n <= 0) {
                        return n == 0;
                    }
                    buf.flip();
                    c.write(buf);
                    buf.clear();
                }
                throw new AssertionError("a turn read more than a client sends");
            } finally {
                running.decrementAndGet();
            }
        }
    }

    private static void echo(Socket s, byte[] msg, String what) throws IOException {
        s.getOutputStream().write(msg);
        byte[] back = new byte[msg.length];
        Io.readFully(s.getInputStream(), back, 0, back.length);
        Io.assertSameBytes(msg, back, what);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 120_000)
    public void manyConnectionsAreServedInTurnsAndHoldNoHandlerWhileIdle(Backend backend) throws Exception {
        CountingEcho handler = new CountingEcho();
        TcpServer server = start(backend, server(backend).readableHandler(handler));
        int clients = 200;
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            sockets.add(track(Io.jdkConnect(server.address(), 10_000)));
        }
        // Three rounds: small messages, one that fills many buffers (several reads per turn, or
        // turns run back to back), and small again after everything went idle in between.
        for (int round = 0; round < 3; round++) {
            int size = round == 1 ? 256 * 1024 : 100 + round;
            for (int i = 0; i < clients; i++) {
                byte[] msg = new byte[size];
                Io.fillPattern(msg, size, (long) i * 7 + round);
                echo(sockets.get(i), msg, backend + " round " + round + " client " + i);
            }
            await(backend + ": every turn ended while the clients are idle").atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(5))
                    .untilAsserted(() -> assertEquals(handler.running.get(), 0, backend + ": turns still running"));
            assertEquals(server.stats().active(), (long) clients, backend + ": " + server.stats());
            assertEquals(server.connections().size(), clients, backend + ": connections() lists the idle ones");
        }
        assertTrue(handler.turns.get() >= 3 * clients, backend + ": " + handler.turns.get() + " turns");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void aSilentClientGetsNoTurnUntilItSends(Backend backend) throws Exception {
        CountingEcho handler = new CountingEcho();
        TcpServer server = start(backend, server(backend).readableHandler(handler));
        Socket quiet = track(Io.jdkConnect(server.address(), 10_000));
        Socket talker = track(Io.jdkConnect(server.address(), 10_000));
        await(backend + ": both accepted").atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
                .until(() -> server.stats().active() == 2);
        // The talker's turn proves the server is serving; the quiet one has had none.
        echo(talker, "hello".getBytes(StandardCharsets.US_ASCII), backend + " talker");
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).until(() -> handler.running.get() == 0);
        assertEquals(handler.turns.get(), 1, backend + ": only the talker had a turn");
        echo(quiet, "now".getBytes(StandardCharsets.US_ASCII), backend + " quiet one, at last");
        assertEquals(handler.turns.get(), 2, backend.toString());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void aTurnKeepsItsOwnStateForAMessageSplitAcrossTurns(Backend backend) throws Exception {
        // A line server: a line may arrive in pieces, each its own turn; the handler keeps the
        // partial line per connection and answers whole lines only.
        Map<Connection, StringBuilder> partial = new ConcurrentHashMap<>();
        AtomicInteger turns = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        ReadableHandler lines = c -> {
            running.incrementAndGet();
            turns.incrementAndGet();
            try {
                ByteBuffer buf = ByteBuffer.allocate(64);
                int n = c.read(buf);
                if (n < 0) {
                    return false;
                }
                StringBuilder sb = partial.computeIfAbsent(c, k -> new StringBuilder());
                sb.append(new String(buf.array(), 0, n, StandardCharsets.US_ASCII));
                int nl;
                // Bounded by the line's length: each pass removes one line.
                while ((nl = sb.indexOf("\n")) >= 0) {
                    c.write(ByteBuffer.wrap(("[" + sb.substring(0, nl) + "]\n").getBytes(StandardCharsets.US_ASCII)));
                    sb.delete(0, nl + 1);
                }
                return true;
            } finally {
                running.decrementAndGet();
            }
        };
        TcpServer server = start(backend, server(backend).readableHandler(lines));
        Socket s = track(Io.jdkConnect(server.address(), 10_000));
        s.getOutputStream().write("hel".getBytes(StandardCharsets.US_ASCII));
        await(backend + ": first piece served").atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
                .until(() -> turns.get() >= 1 && running.get() == 0);
        s.getOutputStream().write("lo\nwor".getBytes(StandardCharsets.US_ASCII));
        byte[] first = new byte[8];
        Io.readFully(s.getInputStream(), first, 0, first.length);
        assertEquals(new String(first, StandardCharsets.US_ASCII), "[hello]\n", backend.toString());
        s.getOutputStream().write("ld\n".getBytes(StandardCharsets.US_ASCII));
        byte[] second = new byte[8];
        Io.readFully(s.getInputStream(), second, 0, second.length);
        assertEquals(new String(second, StandardCharsets.US_ASCII), "[world]\n", backend.toString());
        assertTrue(turns.get() >= 2, backend + ": pieces apart in time take turns apart");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void endOfStreamFalseAndThrowingEachCloseOnlyTheirOwnConnection(Backend backend) throws Exception {
        ReadableHandler h = c -> {
            ByteBuffer buf = ByteBuffer.allocate(64);
            int n = c.read(buf);
            if (n < 0) {
                return false;
            }
            String msg = new String(buf.array(), 0, n, StandardCharsets.US_ASCII);
            if (msg.startsWith("throw")) {
                throw new IllegalStateException("asked to throw (expected in this test)");
            }
            if (msg.startsWith("bye")) {
                return false;
            }
            buf.flip();
            c.write(buf);
            return true;
        };
        TcpServer server = start(backend, server(backend).readableHandler(h));
        Socket keeper = track(Io.jdkConnect(server.address(), 10_000));
        Socket leaver = track(Io.jdkConnect(server.address(), 10_000));
        Socket thrower = track(Io.jdkConnect(server.address(), 10_000));
        Socket closer = track(Io.jdkConnect(server.address(), 10_000));
        echo(keeper, "one".getBytes(StandardCharsets.US_ASCII), backend + " keeper");
        leaver.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
        thrower.getOutputStream().write("throw".getBytes(StandardCharsets.US_ASCII));
        closer.shutdownOutput();
        assertEquals(leaver.getInputStream().read(), -1, backend + ": false closes");
        assertEquals(thrower.getInputStream().read(), -1, backend + ": a throwing turn closes its connection");
        assertEquals(closer.getInputStream().read(), -1, backend + ": end of stream gets a turn that closes");
        echo(keeper, "two".getBytes(StandardCharsets.US_ASCII), backend + " keeper, after the others left");
        await(backend + ": only the keeper is left").atMost(PATIENCE).pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertEquals(server.stats().active(), 1L, backend + ": " + server.stats()));
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void idleTimeoutClosesAConnectionWaitingBetweenTurns(Backend backend) throws Exception {
        CountingEcho handler = new CountingEcho();
        TcpServer server = start(backend, server(backend).idleTimeout(Duration.ofMillis(300)).readableHandler(handler));
        Socket s = track(Io.jdkConnect(server.address(), 10_000));
        echo(s, "hi".getBytes(StandardCharsets.US_ASCII), backend.toString());
        assertEquals(s.getInputStream().read(), -1, backend + ": closed by the idle timeout");
        await(backend.toString()).atMost(PATIENCE).pollInterval(Duration.ofMillis(5)).untilAsserted(() -> {
            assertEquals(server.idleClosed(), 1L);
            assertEquals(server.stats().active(), 0L);
        });
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void shutdownClosesIdleConnectionsAtOnceAndGivesRunningTurnsTheGrace(Backend backend) throws Exception {
        CountDownLatch inTurn = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ReadableHandler h = c -> {
            ByteBuffer buf = ByteBuffer.allocate(64);
            int n = c.read(buf);
            if (n < 0) {
                return false;
            }
            if (buf.get(0) == 'w') {
                inTurn.countDown();
                assertTrue(release.await(30, TimeUnit.SECONDS), "released");
            }
            buf.flip();
            c.write(buf);
            return true;
        };
        TcpServer server = start(backend, server(backend).readableHandler(h));
        Socket idle = track(Io.jdkConnect(server.address(), 10_000));
        Socket busy = track(Io.jdkConnect(server.address(), 10_000));
        echo(idle, "i".getBytes(StandardCharsets.US_ASCII), backend + " idle one");
        busy.getOutputStream().write("w".getBytes(StandardCharsets.US_ASCII));
        assertTrue(inTurn.await(20, TimeUnit.SECONDS), backend + ": the busy turn started");

        CompletableFuture<Boolean> clean = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                clean.complete(server.shutdown(Duration.ofSeconds(30)));
            } catch (Throwable t) {
                clean.completeExceptionally(t);
            }
        });
        // The idle connection closes at shutdown's start, well inside the 30 s grace.
        assertEquals(idle.getInputStream().read(), -1, backend + ": the idle connection is closed at once");
        assertFalse(clean.isDone(), backend + ": shutdown waits for the running turn");
        release.countDown();
        byte[] back = new byte[1];
        Io.readFully(busy.getInputStream(), back, 0, 1);
        assertEquals(back[0], (byte) 'w', backend + ": the running turn finished its answer");
        assertTrue(clean.get(30, TimeUnit.SECONDS), backend + ": the turn ended within the grace");
        assertEquals(busy.getInputStream().read(), -1, backend + ": then its connection closed");
    }

    // ---- Connection.onReadable itself -----------------------------------------------------------

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void onReadableRunsTheTaskOnAVirtualThreadWhenBytesArrive(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair p = acceptedPair(rt, 0);
        CompletableFuture<String> got = new CompletableFuture<>();
        AtomicInteger runs = new AtomicInteger();
        Runnable task = () -> {
            runs.incrementAndGet();
            try {
                assertTrue(Thread.currentThread().isVirtual(), "the task runs on a virtual thread");
                ByteBuffer b = ByteBuffer.allocate(16);
                int n = p.loomux().read(b);
                got.complete(new String(b.array(), 0, Math.max(n, 0), StandardCharsets.US_ASCII));
            } catch (Throwable t) {
                got.completeExceptionally(t);
            }
        };
        // A fresh connection with nothing sent: on an edge-triggered backend it can be proven
        // drained and armed; on others arming may also find it ready at once (false).
        boolean armed = p.loomux().onReadable(task);
        p.peer().getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        if (!armed) {
            task.run();
        }
        assertEquals(got.get(20, TimeUnit.SECONDS), "ping", backend.toString());
        assertEquals(runs.get(), 1, backend + ": the task runs once");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void closeWhileArmedRunsTheTaskWhichSeesTheClose(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair p = acceptedPair(rt, 0);
        CompletableFuture<Throwable> seen = new CompletableFuture<>();
        Runnable task = () -> {
            try {
                p.loomux().read(ByteBuffer.allocate(16));
                seen.complete(null);
            } catch (Throwable t) {
                seen.complete(t);
            }
        };
        // Nothing was sent and no read happened: every backend can wait for it without a thread.
        assertTrue(p.loomux().onReadable(task), backend + ": a connection with nothing to read arms");
        p.loomux().close();
        Throwable t = seen.get(20, TimeUnit.SECONDS);
        assertTrue(t instanceof ClosedChannelException, backend + ": the task's read reports the close, got " + t);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void aReadInProgressRefusesArming(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair p = acceptedPair(rt, 0);
        Running reader = startVirtual("reader", () -> p.loomux().read(ByteBuffer.allocate(16)));
        awaitParked(reader);
        IllegalStateException e = expectThrows(IllegalStateException.class, () -> p.loomux().onReadable(() -> { }));
        assertTrue(e.getMessage().contains("read is in progress"), e.getMessage());
        p.peer().getOutputStream().write('x');
        assertEquals(reader.result().get(20, TimeUnit.SECONDS), 1, backend + ": the reader is unaffected");
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void afterAReadFillsItsBufferArmingSaysReadNowOrRunsAtOnce(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair p = acceptedPair(rt, 0);
        p.peer().getOutputStream().write(new byte[100]);
        ByteBuffer small = ByteBuffer.allocate(10);
        Io.readFully(p.loomux(), small);
        // 90 bytes are still queued: arming must never leave them waiting for an edge that will
        // not come. Either it refuses (read now) or the task runs promptly.
        CountDownLatch ran = new CountDownLatch(1);
        if (p.loomux().onReadable(ran::countDown)) {
            assertTrue(ran.await(20, TimeUnit.SECONDS), backend + ": queued bytes must run the task");
        }
        ByteBuffer rest = ByteBuffer.allocate(90);
        Io.readFully(p.loomux(), rest);
        assertFalse(rest.hasRemaining());
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 60_000)
    public void readAvailableNeverWaits(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair p = acceptedPair(rt, 0);
        p.loomux().setReadTimeout(Duration.ofMinutes(5)); // would show as a hang, not a timeout
        ByteBuffer b = ByteBuffer.allocate(64);
        assertEquals(p.loomux().readAvailable(b), 0, backend + ": nothing sent yet");
        p.peer().getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
        // The bytes are on their way through loopback: read until they are there (bounded).
        await(backend + ": the bytes arrive").atMost(PATIENCE).pollInterval(Duration.ofMillis(1))
                .until(() -> p.loomux().readAvailable(b) > 0 || b.position() > 0);
        assertEquals(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII), "abc", backend.toString());
        assertEquals(p.loomux().readAvailable(b), 0, backend + ": drained again");
        p.peer().shutdownOutput();
        await(backend + ": end of stream").atMost(PATIENCE).pollInterval(Duration.ofMillis(1))
                .until(() -> p.loomux().readAvailable(b) == -1);
        p.loomux().close();
        expectThrows(ClosedChannelException.class, () -> p.loomux().readAvailable(b));
    }
}
