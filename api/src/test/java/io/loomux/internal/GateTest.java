package io.loomux.internal;

import io.loomux.Connection;
import io.loomux.Loomux;
import io.loomux.spi.Triggering;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The close gate ({@link SocketCore#enter()}/{@link SocketCore#exit()}): every backend call that
 * names a descriptor runs inside it, so a close in the middle of one never frees the number
 * under it. Each test closes exactly where a race would, from inside the fake backend's call.
 */
public class GateTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final InetSocketAddress ANY = new InetSocketAddress("127.0.0.1", 9);

    @DataProvider
    public Object[][] modes() {
        return new Object[][]{{Triggering.EDGE}, {Triggering.ONE_SHOT}};
    }

    /** Runs {@code r} on another thread and waits for it: a close racing with the current call. */
    private static void onAnotherThread(ThrowingRunnable r) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                r.run();
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test(timeOut = 20_000)
    public void unbalancedExitFailsLoudlyAndLeavesTheGateIntact() throws Exception {
        FakeBackend b = new FakeBackend(Triggering.EDGE);
        try (Loomux l = Loomux.builder().provider(b).pollers(1).build()) {
            Connection c = l.connect(ANY, PATIENCE);
            SocketCore core = (SocketCore) c;
            IllegalStateException e = expectThrows(IllegalStateException.class, core::exit);
            assertTrue(e.getMessage().contains("without a matching enter()"), e.getMessage());
            c.close();
            assertEquals(b.lastConnected.closeCalls.get(), 1, "close released the descriptor: the gate still counts right");
            assertEquals(b.misuse, List.of());
        }
    }

    @DataProvider
    public Object[][] waits() {
        return new Object[][]{{"read"}, {"onReadable"}};
    }

    /**
     * A one-shot backend is armed before a wait; a close that lands while the arm is in the
     * backend must not free the descriptor until the arm has returned.
     */
    @Test(dataProvider = "waits", timeOut = 20_000)
    public void armRunsInsideTheGate(String how) throws Exception {
        FakeBackend b = new FakeBackend(Triggering.ONE_SHOT);
        try (Loomux l = Loomux.builder().provider(b).pollers(1).build()) {
            Connection c = l.connect(ANY, PATIENCE);
            FakeBackend.FakeSocket s = b.lastConnected;
            s.duringArm = () -> {
                s.duringArm = null;
                onAnotherThread(c::close);
                assertEquals(s.closeCalls.get(), 0, "the descriptor was freed while arm was using it");
            };
            if (how.equals("read")) {
                CompletableFuture<Object> f = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        f.complete(c.read(ByteBuffer.allocate(4)));
                    } catch (Throwable e) {
                        f.complete(e);
                    }
                });
                Object r = f.get(10, TimeUnit.SECONDS);
                assertTrue(r instanceof AsynchronousCloseException, String.valueOf(r));
            } else {
                assertFalse(c.onReadable(() -> { }), "closed while arming: nothing to wait for");
            }
            assertEquals(b.misuse, List.of(), "backend calls on closed handles");
            await().atMost(PATIENCE).until(() -> s.closeCalls.get() == 1);
            assertTrue(s.cancelled);
        }
    }

    /**
     * The runtime closes while a new socket is being registered: the socket is closed once,
     * after the registration returned, and its registration is cancelled rather than leaked.
     */
    @Test(timeOut = 20_000)
    public void registrationRunsInsideTheGate() throws Exception {
        FakeBackend b = new FakeBackend(Triggering.EDGE);
        Loomux l = Loomux.builder().provider(b).pollers(1).build();
        try (l) {
            b.pollSet.duringRegister = () -> {
                b.pollSet.duringRegister = null;
                onAnotherThread(l::close);
            };
            IOException e = expectThrows(IOException.class, () -> l.connect(ANY, PATIENCE));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertEquals(b.misuse, List.of(), "backend calls on closed handles");
            assertEquals(b.lastConnected.closeCalls.get(), 1);
            assertEquals(b.pollSet.registered, java.util.Set.of(), "a registration outlived its socket");
        }
    }

    /** Connects while the backend cannot tell addresses, as for a peer that reset at once. */
    private static Connection connectWithAddressesUnread(FakeBackend b, Loomux l) throws IOException {
        b.addressesFail = true;
        try {
            return l.connect(ANY, PATIENCE);
        } finally {
            b.addressesFail = false;
        }
    }

    /**
     * Addresses not read at open are read later inside the gate; after close they are never
     * asked of the backend (the number may be another socket's), and are null, as an unconnected
     * {@link java.net.Socket}'s are.
     */
    @Test(timeOut = 20_000)
    public void addressesAfterCloseNeverReachTheBackend() throws Exception {
        FakeBackend b = new FakeBackend(Triggering.EDGE);
        try (Loomux l = Loomux.builder().provider(b).pollers(1).build()) {
            Connection c = connectWithAddressesUnread(b, l);
            c.close();
            assertNull(c.localAddress());
            assertNull(c.remoteAddress());
            assertEquals(b.misuse, List.of(), "backend calls on closed handles");
        }
    }

    /** Addresses read while open outlive close, as {@link java.net.Socket}'s do. */
    @Test(timeOut = 20_000)
    public void addressesReadWhileOpenOutliveClose() throws Exception {
        FakeBackend b = new FakeBackend(Triggering.EDGE);
        try (Loomux l = Loomux.builder().provider(b).pollers(1).build()) {
            Connection c = connectWithAddressesUnread(b, l);
            assertEquals(c.localAddress(), new InetSocketAddress("127.0.0.1", 1), "read lazily, while open");
            assertEquals(c.remoteAddress(), new InetSocketAddress("127.0.0.1", 2));
            c.close();
            assertEquals(c.localAddress(), new InetSocketAddress("127.0.0.1", 1));
            assertEquals(c.remoteAddress(), new InetSocketAddress("127.0.0.1", 2));
            assertEquals(b.misuse, List.of(), "backend calls on closed handles");
        }
    }

    /**
     * A second {@code onReadable} while a task is armed is a caller's mistake: it must say so,
     * and the armed task must still run when bytes arrive (before, the second call overwrote the
     * armed task and cleared it, and the event then started nothing and closed the connection).
     */
    @Test(dataProvider = "modes", timeOut = 20_000)
    public void onReadableWhileATaskIsArmedIsIllegalState(Triggering mode) throws Exception {
        FakeBackend b = new FakeBackend(mode);
        try (Loomux l = Loomux.builder().provider(b).pollers(1).build()) {
            Connection c = l.connect(ANY, PATIENCE);
            CountDownLatch first = new CountDownLatch(1);
            CountDownLatch second = new CountDownLatch(1);
            assertTrue(c.onReadable(first::countDown));
            IllegalStateException e = expectThrows(IllegalStateException.class, () -> c.onReadable(second::countDown));
            assertTrue(e.getMessage().contains("already armed"), e.getMessage());
            b.lastConnected.feed(new byte[]{1});
            assertTrue(first.await(10, TimeUnit.SECONDS), "the armed task ran");
            assertTrue(c.isOpen(), "the connection is still open");
            assertEquals(second.getCount(), 1L, "the refused task never runs");
            assertEquals(c.read(ByteBuffer.allocate(4)), 1);
        }
    }
}
