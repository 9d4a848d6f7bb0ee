package io.loomux.internal;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.spi.Events;
import io.loomux.spi.Triggering;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The blocking layer over a fake backend, in both triggering modes. After each test, no backend
 * call may have named a closed handle (the fake records every such call).
 */
public class EngineTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 9);
    private static final List<FakeBackend> BACKENDS = new CopyOnWriteArrayList<>();

    private static FakeBackend backend(Triggering mode) {
        FakeBackend b = new FakeBackend(mode);
        BACKENDS.add(b);
        return b;
    }

    @AfterMethod(alwaysRun = true)
    public void noBackendCallNamedAClosedHandle() {
        try {
            for (FakeBackend b : BACKENDS) {
                assertEquals(b.misuse, List.of(), "backend calls on closed handles");
            }
        } finally {
            BACKENDS.clear();
        }
    }

    @DataProvider
    public Object[][] modes() {
        return new Object[][]{{Triggering.EDGE}, {Triggering.ONE_SHOT}};
    }

    private record Setup(FakeBackend backend, Loomux loomux, Connection conn, FakeBackend.FakeSocket socket) {
    }

    private static Setup connect(Triggering mode) throws IOException {
        FakeBackend b = backend(mode);
        Loomux l = Loomux.builder().provider(b).pollers(1).build();
        Connection c = l.connect(ANY, Duration.ofSeconds(5));
        return new Setup(b, l, c, b.lastConnected);
    }

    private static void awaitParked(Thread t) {
        await().atMost(PATIENCE).until(() -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING);
    }

    private static CompletableFuture<Object> readAsync(Connection c, ByteBuffer dst, Thread[] holder) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        holder[0] = Thread.ofVirtual().start(() -> {
            try {
                f.complete(c.read(dst));
            } catch (Throwable e) {
                f.complete(e);
            }
        });
        return f;
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void readParksUntilDataArrives(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            ByteBuffer dst = ByteBuffer.allocate(16);
            Thread[] t = new Thread[1];
            CompletableFuture<Object> f = readAsync(s.conn, dst, t);
            awaitParked(t[0]);
            assertFalse(f.isDone());
            if (mode == Triggering.ONE_SHOT) {
                await().atMost(PATIENCE).until(() -> s.socket.armCalls.get() >= 1);
            }
            s.socket.feed("hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals(f.get(10, TimeUnit.SECONDS), 5);
            assertEquals(new String(dst.array(), 0, 5, StandardCharsets.US_ASCII), "hello");
            assertTrue(s.loomux.stats().parks() >= 1);
            assertEquals(s.loomux.stats().bytesRead(), 5);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void eventBetweenWouldBlockAndParkIsNotLost(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            // A read that fills its buffer leaves the queue possibly non-empty, so the next read
            // calls the backend (a fresh edge-triggered connection counts as drained and would
            // wait for an edge without asking).
            int fed = s.backend.pollSet.delivered.get();
            s.socket.feed(new byte[]{1, 2, 3, 4});
            if (mode == Triggering.ONE_SHOT) {
                s.socket.arm(Events.READABLE);
            }
            await().atMost(PATIENCE).until(() -> s.backend.pollSet.delivered.get() > fed);
            assertEquals(s.conn.read(ByteBuffer.allocate(4)), 4);
            long parksBefore = s.loomux.stats().parks();
            int deliveredBefore = s.backend.pollSet.delivered.get();
            // Inside the backend's "would block" answer, data arrives and the poller delivers its
            // event before the reading thread reaches its park: the wait must not sleep through it.
            s.socket.onWouldBlock = () -> {
                s.socket.feed(new byte[]{42});
                if (mode == Triggering.ONE_SHOT) {
                    s.socket.arm(Events.READABLE); // the report a one-shot backend owes once armed
                }
                await().atMost(PATIENCE).until(() -> s.backend.pollSet.delivered.get() > deliveredBefore);
            };
            ByteBuffer dst = ByteBuffer.allocate(4);
            assertEquals(s.conn.read(dst), 1);
            assertEquals(dst.get(0), 42);
            assertEquals(s.loomux.stats().parks(), parksBefore, "the event was already recorded: no park");
        }
    }

    @Test(timeOut = 20_000)
    public void edgeTriggeredReadAfterShortReadWaitsWithoutASystemCall() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            int delivered = s.backend.pollSet.delivered.get();
            s.socket.feed(new byte[]{1, 2});
            // let the edge reach the state machine first, so the read below consumes it
            await().atMost(PATIENCE).until(() -> s.backend.pollSet.delivered.get() > delivered);
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(s.conn.read(dst), 2); // short: the queue is drained
            int calls = s.socket.readCalls.get();
            Thread[] t = new Thread[1];
            CompletableFuture<Object> f = readAsync(s.conn, dst, t);
            awaitParked(t[0]);
            assertEquals(s.socket.readCalls.get(), calls, "after a short read the next read waits for an edge");
            s.socket.feed(new byte[]{3});
            assertEquals(f.get(10, TimeUnit.SECONDS), 1);
            assertEquals(s.socket.readCalls.get(), calls + 1);
        }
    }

    @Test(timeOut = 20_000)
    public void edgeTriggeredFullReadTriesAgainBeforeWaiting() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            int delivered = s.backend.pollSet.delivered.get();
            s.socket.feed(new byte[]{1, 2, 3, 4, 5, 6});
            await().atMost(PATIENCE).until(() -> s.backend.pollSet.delivered.get() > delivered);
            // consume the edge that feeding raised, so only the data itself says "more"
            ByteBuffer small = ByteBuffer.allocate(3);
            assertEquals(s.conn.read(small), 3);
            small.clear();
            // no new edge comes for the bytes left behind: the read must find them by trying
            assertEquals(s.conn.read(small), 3);
        }
    }

    @Test(timeOut = 20_000)
    public void edgeTriggeredDataAndHangUpUnderOneEdgeStillReachEndOfStream() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            int delivered = s.backend.pollSet.delivered.get();
            // data and FIN arrive together: the backend raises a single READABLE|HANGUP edge
            s.socket.writeRoom = 0;
            s.socket.feedSilently(new byte[]{1, 2});
            s.socket.eofSilently();
            s.socket.ready(Events.READABLE | Events.HANGUP);
            await().atMost(PATIENCE).until(() -> s.backend.pollSet.delivered.get() > delivered);
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(s.conn.read(dst), 2); // short, and the edge is spent
            assertEquals(s.conn.read(dst), -1, "no edge will come for the end: the read must try");
        }
    }

    @Test(timeOut = 20_000)
    public void onlyTheInterruptedThreadGetsClosedByInterrupt() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            s.socket.writeRoom = 0;
            CompletableFuture<Object> writer = new CompletableFuture<>();
            Thread w = Thread.ofVirtual().start(() -> {
                try {
                    writer.complete(s.conn.write(ByteBuffer.allocate(10)));
                } catch (Throwable e) {
                    writer.complete(e);
                }
            });
            awaitParked(w);
            Thread[] t = new Thread[1];
            CompletableFuture<Object> reader = readAsync(s.conn, ByteBuffer.allocate(4), t);
            awaitParked(t[0]);
            t[0].interrupt();
            assertTrue(reader.get(10, TimeUnit.SECONDS) instanceof ClosedByInterruptException);
            Object wr = writer.get(10, TimeUnit.SECONDS);
            assertEquals(wr.getClass(), AsynchronousCloseException.class, String.valueOf(wr));
            Throwable later = expectThrows(ClosedChannelException.class, () -> s.conn.read(ByteBuffer.allocate(1)));
            assertEquals(later.getClass(), ClosedChannelException.class);
        }
    }

    @Test(timeOut = 20_000)
    public void hugeTimeoutsSaturateInsteadOfOverflowing() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            s.conn.setReadTimeout(Duration.ofSeconds(Long.MAX_VALUE));
            s.socket.feed(new byte[]{5});
            assertEquals(s.conn.read(ByteBuffer.allocate(2)), 1);
            try (Connection c2 = s.loomux.connect(ANY, Duration.ofSeconds(Long.MAX_VALUE))) {
                assertTrue(c2.isOpen());
            }
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void oneShotArmsBeforeParking(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            Thread[] t = new Thread[1];
            CompletableFuture<Object> f = readAsync(s.conn, ByteBuffer.allocate(4), t);
            awaitParked(t[0]);
            if (mode == Triggering.ONE_SHOT) {
                assertTrue(s.socket.armCalls.get() >= 1, "a one-shot backend must be armed before a park");
            } else {
                assertEquals(s.socket.armCalls.get(), 0, "an edge-triggered backend is never armed");
            }
            s.socket.feed(new byte[]{7});
            assertEquals(f.get(10, TimeUnit.SECONDS), 1);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void readTimeoutThrowsAndTheConnectionStaysUsable(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            s.conn.setReadTimeout(Duration.ofMillis(100));
            assertEquals(s.conn.readTimeout(), Duration.ofMillis(100));
            ByteBuffer dst = ByteBuffer.allocate(4);
            SocketTimeoutException e = expectThrows(SocketTimeoutException.class, () -> s.conn.read(dst));
            assertTrue(e.getMessage().contains("Read timed out"), e.getMessage());
            assertTrue(s.conn.isOpen());
            assertEquals(s.loomux.stats().timeouts(), 1);
            s.socket.feed(new byte[]{9});
            assertEquals(s.conn.read(dst), 1);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void writeParksUntilRoomAndWritesEverything(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            s.socket.writeRoom = 3;
            CompletableFuture<Object> f = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    f.complete(s.conn.write(ByteBuffer.wrap(new byte[]{1, 2, 3, 4, 5, 6, 7})));
                } catch (Throwable e) {
                    f.complete(e);
                }
            });
            awaitParked(t);
            assertEquals(s.socket.written.size(), 3);
            s.socket.makeRoom(100);
            assertEquals(f.get(10, TimeUnit.SECONDS), 7);
            assertEquals(s.socket.written.toByteArray(), new byte[]{1, 2, 3, 4, 5, 6, 7});
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void writeTimeoutReportsProgressInThePosition(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            s.socket.writeRoom = 2;
            s.conn.setWriteTimeout(Duration.ofMillis(100));
            ByteBuffer src = ByteBuffer.wrap(new byte[10]);
            SocketTimeoutException e = expectThrows(SocketTimeoutException.class, () -> s.conn.write(src));
            assertTrue(e.getMessage().contains("Write timed out"), e.getMessage());
            assertEquals(src.position(), 2);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void closeFromAnotherThreadWakesTheReader(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            Thread[] t = new Thread[1];
            CompletableFuture<Object> f = readAsync(s.conn, ByteBuffer.allocate(4), t);
            awaitParked(t[0]);
            s.conn.close();
            assertTrue(f.get(10, TimeUnit.SECONDS) instanceof AsynchronousCloseException, String.valueOf(f.get()));
            assertEquals(s.socket.closeCalls.get(), 1);
            expectThrows(ClosedChannelException.class, () -> s.conn.read(ByteBuffer.allocate(1)));
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void interruptClosesTheConnectionAndThrows(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            Thread[] t = new Thread[1];
            CompletableFuture<Object> f = readAsync(s.conn, ByteBuffer.allocate(4), t);
            awaitParked(t[0]);
            t[0].interrupt();
            assertTrue(f.get(10, TimeUnit.SECONDS) instanceof ClosedByInterruptException, String.valueOf(f.get()));
            assertFalse(s.conn.isOpen());
            assertEquals(s.socket.closeCalls.get(), 1);
        }
    }

    @Test(timeOut = 20_000)
    public void interruptStatusOnEntryClosesAtOnce() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                Thread.currentThread().interrupt();
                try {
                    f.complete(s.conn.read(ByteBuffer.allocate(1)));
                } catch (Throwable e) {
                    f.complete(e);
                }
            });
            assertTrue(f.get(10, TimeUnit.SECONDS) instanceof ClosedByInterruptException);
            assertFalse(s.conn.isOpen());
        }
    }

    @Test(timeOut = 20_000)
    public void descriptorIsReleasedOnlyAfterTheCallInProgressReturns() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            CountDownLatch inRead = new CountDownLatch(1);
            CountDownLatch mayReturn = new CountDownLatch(1);
            s.socket.duringRead = () -> {
                inRead.countDown();
                try {
                    mayReturn.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            s.socket.feed(new byte[]{1});
            Thread[] t = new Thread[1];
            CompletableFuture<Object> f = readAsync(s.conn, ByteBuffer.allocate(4), t);
            assertTrue(inRead.await(10, TimeUnit.SECONDS));
            s.conn.close();
            assertFalse(s.conn.isOpen());
            assertEquals(s.socket.closeCalls.get(), 0, "the descriptor must outlive the call that is using it");
            s.socket.duringRead = null;
            mayReturn.countDown();
            f.get(10, TimeUnit.SECONDS);
            await().atMost(PATIENCE).until(() -> s.socket.closeCalls.get() == 1);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void acceptParksUntilAConnectionIsPending(Triggering mode) throws Exception {
        FakeBackend b = backend(mode);
        try (Loomux l = Loomux.builder().provider(b).pollers(1).build();
             Listener listener = l.listen(ANY, 0, Map.of())) {
            CompletableFuture<Object> f = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    f.complete(listener.accept());
                } catch (Throwable e) {
                    f.complete(e);
                }
            });
            awaitParked(t);
            FakeBackend.FakeListener fl = (FakeBackend.FakeListener) ((ListenerImpl) listener).handle;
            fl.offer(b.new FakeSocket());
            assertTrue(f.get(10, TimeUnit.SECONDS) instanceof Connection, String.valueOf(f.get()));
            SocketTimeoutException e = expectThrows(SocketTimeoutException.class,
                    () -> listener.accept(Duration.ofMillis(50)));
            assertTrue(e.getMessage().contains("Accept timed out"));
            listener.close();
            expectThrows(ClosedChannelException.class, listener::accept);
        }
    }

    @Test(timeOut = 20_000)
    public void closingTheRuntimeClosesItsConnectionsAndWakesThem() throws Exception {
        Setup s = connect(Triggering.EDGE);
        Thread[] t = new Thread[1];
        CompletableFuture<Object> f = readAsync(s.conn, ByteBuffer.allocate(4), t);
        awaitParked(t[0]);
        s.loomux.close();
        assertTrue(f.get(10, TimeUnit.SECONDS) instanceof AsynchronousCloseException);
        assertFalse(s.conn.isOpen());
        IOException e = expectThrows(IOException.class, () -> s.loomux.connect(ANY, Duration.ZERO));
        assertTrue(e.getMessage().contains("closed"));
    }

    @Test(timeOut = 20_000)
    public void streamsReadAndWriteTheSameSocket() throws Exception {
        Setup s = connect(Triggering.EDGE);
        try (s.loomux) {
            s.socket.feed("ab".getBytes(StandardCharsets.US_ASCII));
            assertEquals(s.conn.inputStream().read(), 'a');
            byte[] b = new byte[4];
            assertEquals(s.conn.inputStream().read(b, 0, 4), 1);
            s.conn.outputStream().write("xyz".getBytes(StandardCharsets.US_ASCII));
            assertEquals(s.socket.written.toString(StandardCharsets.US_ASCII), "xyz");
            s.socket.feedEof();
            assertEquals(s.conn.inputStream().read(), -1);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void onReadableHandsTheTaskToTheCallersStarter(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            CountDownLatch ran = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger starts = new java.util.concurrent.atomic.AtomicInteger();
            Runnable task = ran::countDown;
            assertTrue(s.conn.onReadable(task, t -> {
                assertTrue(t == task, "the starter gets the task itself");
                starts.incrementAndGet();
                Thread.startVirtualThread(t);
            }));
            s.socket.feed(new byte[]{1});
            assertTrue(ran.await(10, TimeUnit.SECONDS));
            assertEquals(starts.get(), 1);
        }
    }

    @Test(dataProvider = "modes", timeOut = 20_000)
    public void aStarterThatCannotStartTheTaskClosesTheConnection(Triggering mode) throws Exception {
        Setup s = connect(mode);
        try (s.loomux) {
            CountDownLatch ran = new CountDownLatch(1);
            assertTrue(s.conn.onReadable(ran::countDown, t -> {
                throw new java.util.concurrent.RejectedExecutionException("test: no thread");
            }));
            s.socket.feed(new byte[]{1});
            await().atMost(PATIENCE).until(() -> !s.conn.isOpen());
            await().atMost(PATIENCE).until(() -> s.socket.closeCalls.get() == 1);
            assertEquals(ran.getCount(), 1L, "the task never ran");
        }
    }

    @Test
    public void pollerCountValidation() {
        expectThrows(IllegalArgumentException.class, () -> Loomux.builder().pollers(-1));
        String old = System.getProperty(Loomux.POLLERS_PROPERTY);
        try {
            System.setProperty(Loomux.POLLERS_PROPERTY, "many");
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> Selection.pollerCount(0));
            assertTrue(e.getMessage().contains("many"));
            System.setProperty(Loomux.POLLERS_PROPERTY, "3");
            assertEquals(Selection.pollerCount(0), 3);
            assertEquals(Selection.pollerCount(2), 2);
        } finally {
            if (old == null) {
                System.clearProperty(Loomux.POLLERS_PROPERTY);
            } else {
                System.setProperty(Loomux.POLLERS_PROPERTY, old);
            }
        }
    }
}
