package io.loomux.selector;

import static io.loomux.selector.Loopback.PATIENCE;
import static io.loomux.selector.Loopback.patiently;
import static io.loomux.selector.Loopback.readExactly;
import static io.loomux.selector.Loopback.writeFully;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import io.loomux.selector.internal.SelectorPollSet;
import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.testng.annotations.Test;

/** The one-shot poll set: what is reported, when, how often, and what it costs in wake-ups. */
public class SelectorPollSetTest {

    private static final int R = Events.READABLE;
    private static final int W = Events.WRITABLE;

    @Test
    public void nothingIsReportedBeforeArm() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            Registration reg = lo.pollSet.register(p.server(), "server");
            lo.pollSet.register(p.client(), "client");
            writeFully(p.client(), "data");
            // Readable and writable at the kernel's level, but nothing armed.
            assertEquals(lo.pollSet.poll(50, lo.recorder), 0, lo.recorder.toString());
            assertEquals(lo.pollNow(), 0, lo.recorder.toString());

            reg.arm(R);
            lo.awaitEvent("server", R);
        }
    }

    @Test
    public void armedReadableIsReportedOnceAfterThePeerWritesThenAgainWhenReArmed() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            Object att = new Object();
            Registration reg = lo.pollSet.register(p.server(), att);
            reg.arm(R);
            assertEquals(lo.pollNow(), 0, "nothing to read yet");

            writeFully(p.client(), "x");
            lo.awaitEvent(att, R);
            assertEquals(lo.recorder.count(att), 1);
            assertEquals(lo.recorder.events.peek().events(), R, "only what was armed");

            // Still readable (nothing was read), but the report disarmed it: one-shot.
            lo.recorder.clear();
            assertEquals(lo.pollNow(), 0);
            assertEquals(lo.pollNow(), 0);
            assertEquals(lo.recorder.count(att), 0, lo.recorder.toString());

            // Arming a socket that is already readable reports it on the very next poll.
            reg.arm(R);
            assertEquals(lo.pollNow(), 1);
            assertTrue(lo.recorder.has(att, R));
            assertEquals(readExactly(p.server(), 1), "x");
        }
    }

    @Test
    public void writableIsReportedWhenArmedOnAConnectedSocket() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            Registration reg = lo.pollSet.register(p.client(), "client");
            reg.arm(W);
            assertEquals(lo.pollNow(), 1);
            assertTrue(lo.recorder.has("client", W));
            assertEquals(lo.pollNow(), 0, "one-shot");
        }
    }

    @Test
    public void bothDirectionsReadyAreOneEventPerPoll() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            writeFully(p.client(), "x");
            Registration reg = lo.pollSet.register(p.server(), "server");
            reg.arm(R | W);
            lo.awaitEvent("server", R | W);
            assertEquals(lo.recorder.count("server"), 1, lo.recorder.toString());
        }
    }

    @Test
    public void armingOneDirectionLeavesTheOtherArmed() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            Registration reg = lo.pollSet.register(p.server(), "server");
            reg.arm(R | W);
            assertEquals(lo.pollNow(), 1);
            assertTrue(lo.recorder.events.peek().events() == W, "nothing to read: " + lo.recorder);
            lo.recorder.clear();
            writeFully(p.client(), "x");
            lo.awaitEvent("server", R);
        }
    }

    @Test
    public void writableAfterTheSocketBufferFilledAndThePeerDrained() throws Exception {
        try (Loopback lo = new Loopback()) {
            Map<SocketOption<?>, Object> small = Map.of(StandardSocketOptions.SO_RCVBUF, 4096);
            Map<SocketOption<?>, Object> smallSend = Map.of(StandardSocketOptions.SO_SNDBUF, 4096);
            Loopback.Pair p = lo.pair(Loopback.loopback4(), small, smallSend);

            ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
            long written = 0;
            int n = -1;
            for (int i = 0; i < 100_000 && n != 0; i++) {
                chunk.clear();
                n = p.client().write(chunk);
                written += n;
            }
            assertEquals(n, 0, "the socket never filled after " + written + " bytes");

            Registration reg = lo.pollSet.register(p.client(), "client");
            reg.arm(W);
            assertEquals(lo.pollNow(), 0, "full, so not writable: " + lo.recorder);

            ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
            patiently().until(() -> {
                sink.clear();
                p.server().read(sink);
                lo.pollSet.poll(1, lo.recorder);
                return lo.recorder.has("client", W);
            });
            assertTrue(p.client().write(ByteBuffer.allocate(1)) == 1);
        }
    }

    @Test
    public void peerCloseReportsReadableAndReadReturnsEndOfStream() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            lo.pollSet.register(p.server(), "server").arm(R);
            assertEquals(lo.pollNow(), 0);
            p.client().close();
            lo.awaitEvent("server", R);
            assertEquals(p.server().read(ByteBuffer.allocate(8)), -1);
        }
    }

    @Test
    public void armFromAnotherThreadWakesAPollBlockedWithoutTimeout() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            writeFully(p.client(), "ready");
            Registration reg = lo.pollSet.register(p.server(), "server");
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet)) {
                poller.awaitBlockedInSelect();
                reg.arm(R);
                await().atMost(PATIENCE).until(() -> poller.recorder.has("server", R));
            }
        }
    }

    @Test
    public void wakeupReturnsABlockedPoll() throws Exception {
        try (Loopback lo = new Loopback()) {
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet, -1, 1)) {
                poller.awaitBlockedInSelect();
                lo.pollSet.wakeup();
                await().atMost(PATIENCE).until(() -> !poller.isAlive());
                assertEquals(poller.recorder.events.size(), 0);
            }
        }
    }

    @Test
    public void wakeupBeforeAPollMakesItReturnAtOnce() throws Exception {
        try (Loopback lo = new Loopback()) {
            lo.pollSet.wakeup();
            CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> {
                try {
                    return lo.pollSet.poll(-1, lo.recorder);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().daemon().start(r));
            assertEquals(polled.get(PATIENCE.toSeconds(), TimeUnit.SECONDS), 0);
        }
    }

    private List<Registration> connectedRegistrations(Loopback lo, int count) throws IOException {
        List<Registration> regs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Loopback.Pair p = lo.pair();
            regs.add(lo.pollSet.register(p.client(), "c" + i));
        }
        return regs;
    }

    private static void armConcurrently(List<Registration> regs, int threads, int rounds) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Void>> armers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            armers.add(CompletableFuture.runAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
                for (int round = 0; round < rounds; round++) {
                    for (Registration r : regs) {
                        r.arm(W);
                    }
                }
            }, r -> Thread.ofPlatform().daemon().start(r)));
        }
        go.countDown();
        CompletableFuture.allOf(armers.toArray(CompletableFuture[]::new)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    public void armsWhileNoPollIsBlockedCostNoWakeup() throws Exception {
        try (Loopback lo = new Loopback()) {
            SelectorPollSet ps = (SelectorPollSet) lo.pollSet;
            List<Registration> regs = connectedRegistrations(lo, 8);
            armConcurrently(regs, 4, 100);
            assertEquals(ps.wakeupCount(), 0, "the next poll drains before it blocks");
            assertEquals(lo.pollSet.poll(-1, lo.recorder), 8, "each registration once: " + lo.recorder);
            assertEquals(ps.wakeupCount(), 0);
        }
    }

    @Test
    public void manyArmsDuringOneBlockedPollCostOneWakeup() throws Exception {
        try (Loopback lo = new Loopback()) {
            SelectorPollSet ps = (SelectorPollSet) lo.pollSet;
            List<Registration> regs = connectedRegistrations(lo, 8);
            Loopback.Poller poller = new Loopback.Poller(lo.pollSet, -1, 1);
            try (poller) {
                poller.awaitBlockedInSelect();
                armConcurrently(regs, 4, 100);
                await().atMost(PATIENCE).until(() -> !poller.isAlive());
                lo.pollSet.wakeup(); // no poll blocked: costs nothing either
            }
            assertEquals(ps.wakeupCount(), 1, "3,200 arms while one poll was blocked");
            // Whatever the woken poll did not take, the next one does.
            lo.pollNow();
            for (int i = 0; i < regs.size(); i++) {
                String att = "c" + i;
                assertTrue(poller.recorder.has(att, W) || lo.recorder.has(att, W), att + " poller=" + poller.recorder + " then=" + lo.recorder);
            }
        }
    }

    @Test
    public void wakeupsNeverOutnumberPollsUnderConcurrentArming() throws Exception {
        try (Loopback lo = new Loopback()) {
            SelectorPollSet ps = (SelectorPollSet) lo.pollSet;
            List<Registration> regs = connectedRegistrations(lo, 8);
            long before = ps.wakeupCount();
            Loopback.Poller poller = new Loopback.Poller(lo.pollSet);
            long pollsBefore;
            try (poller) {
                poller.awaitBlockedInSelect();
                pollsBefore = poller.pollsStarted.get();
                armConcurrently(regs, 4, 2_000);
                await().atMost(PATIENCE).until(() -> IntStream.range(0, regs.size()).allMatch(i -> poller.recorder.has("c" + i, W)));
            }
            long wakeups = ps.wakeupCount() - before;
            long polls = poller.pollsStarted.get() - pollsBefore + 1;
            assertTrue(wakeups >= 1, "the blocked poll had to be woken");
            // Only the first arm that finds the poller about to block wakes it.
            assertTrue(wakeups <= polls, wakeups + " wake-ups for " + polls + " polls");
        }
    }

    @Test
    public void registerWhileAPollIsBlockedDoesNotWaitForIt() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet)) {
                poller.awaitBlockedInSelect();
                CompletableFuture<Registration> registered = CompletableFuture.supplyAsync(() -> {
                    try {
                        return lo.pollSet.register(p.client(), "late");
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofPlatform().daemon().start(r));
                // A register that waited for the selection would wait for ever: nothing is armed.
                Registration reg = registered.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                reg.arm(W);
                await().atMost(PATIENCE).until(() -> poller.recorder.has("late", W));
            }
        }
    }

    @Test
    public void registerFromAVirtualThreadWhileAPollIsBlocked() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet)) {
                poller.awaitBlockedInSelect();
                CompletableFuture<Void> done = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        lo.pollSet.register(p.server(), "virtual").arm(W);
                        done.complete(null);
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
                done.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                await().atMost(PATIENCE).until(() -> poller.recorder.has("virtual", W));
            }
        }
    }

    @Test
    public void cancelledRegistrationIsNeverReportedAgain() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            writeFully(p.client(), "x");
            Registration reg = lo.pollSet.register(p.server(), "server");
            reg.arm(R);
            reg.cancel();
            reg.cancel(); // idempotent
            assertEquals(lo.pollNow(), 0);
            reg.arm(R); // harmless after cancel
            assertEquals(lo.pollSet.poll(20, lo.recorder), 0);
            assertEquals(lo.recorder.count("server"), 0);

            // Once a poll has dropped the cancelled key, the socket can be registered again.
            Registration again = lo.pollSet.register(p.server(), "again");
            again.arm(R);
            assertEquals(lo.pollNow(), 1);
            assertTrue(lo.recorder.has("again", R));
        }
    }

    @Test
    public void cancelWhileArmedAndBlockedIsNotReported() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            Registration reg = lo.pollSet.register(p.server(), "server");
            reg.arm(R);
            Registration witness = lo.pollSet.register(p.client(), "witness");
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet)) {
                poller.awaitBlockedInSelect();
                reg.cancel();
                writeFully(p.client(), "x");
                witness.arm(W); // wakes the poller, which then selects again
                await().atMost(PATIENCE).until(() -> poller.recorder.has("witness", W));
                lo.pollSet.wakeup();
                await().atMost(PATIENCE).until(() -> poller.pollsStarted.get() >= 3);
                assertEquals(poller.recorder.count("server"), 0, poller.recorder.toString());
            }
        }
    }

    @Test
    public void pollTimeoutIsHonoured() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            lo.pollSet.register(p.server(), "server").arm(R);
            long start = System.nanoTime();
            assertEquals(lo.pollSet.poll(50, lo.recorder), 0);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMillis >= 40, "returned after " + elapsedMillis + " ms");
        }
    }

    @Test
    public void writableOnAConnectingSocketMeansTheConnectFinished() throws Exception {
        try (Loopback lo = new Loopback()) {
            var listener = lo.listen(Loopback.loopback4(), Map.of());
            for (int i = 0; i < 20; i++) {
                SocketHandle client = lo.connect(listener.localAddress(), Map.of());
                Object att = "c" + i;
                Registration reg = lo.pollSet.register(client, att);
                reg.arm(W);
                lo.awaitEvent(att, W);
                assertTrue(client.finishConnect(), "connect " + i);
                reg.arm(W); // now connected: plain OP_WRITE
                lo.recorder.clear();
                assertEquals(lo.pollNow(), 1);
                assertTrue(lo.recorder.has(att, W));
                lo.acceptOne(listener);
            }
        }
    }

    @Test
    public void connectFinishedElsewhereWhileArmedDoesNotSpinOrHang() throws Exception {
        try (Loopback lo = new Loopback()) {
            var listener = lo.listen(Loopback.loopback4(), Map.of());
            SocketHandle client = lo.connect(listener.localAddress(), Map.of());
            Registration reg = lo.pollSet.register(client, "client");
            reg.arm(W);
            Loopback.finish(client); // the connect finishes before the poller ever selects
            lo.awaitEvent("client", W);
            lo.recorder.clear();
            assertEquals(lo.pollSet.poll(30, lo.recorder), 0, "disarmed: " + lo.recorder);
        }
    }

    @Test
    public void listenerReadableMeansAcceptableAndWritableIsIgnored() throws Exception {
        try (Loopback lo = new Loopback()) {
            var listener = lo.listen(Loopback.loopback4(), Map.of());
            Registration reg = lo.pollSet.register(listener, "listener");
            reg.arm(W);
            assertEquals(lo.pollNow(), 0);
            reg.arm(R);
            lo.connect(listener.localAddress(), Map.of());
            lo.awaitEvent("listener", R);
            assertEquals(lo.recorder.events.peek().events(), R);
        }
    }

    @Test
    public void pollingFromTwoThreadsAtOnceIsRefused() throws Exception {
        try (Loopback lo = new Loopback()) {
            try (Loopback.Poller poller = new Loopback.Poller(lo.pollSet)) {
                poller.awaitBlockedInSelect();
                assertThrows(IllegalStateException.class, lo::pollNow);
            }
        }
    }

    @Test
    public void registerRefusesForeignAndDuplicateHandles() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            Handle foreign = new Handle() {
                @Override
                public InetSocketAddress localAddress() {
                    return null;
                }

                @Override
                public <T> void setOption(SocketOption<T> option, T value) {
                }

                @Override
                public <T> T getOption(SocketOption<T> option) {
                    return null;
                }

                @Override
                public Set<SocketOption<?>> supportedOptions() {
                    return Set.of();
                }

                @Override
                public void close() {
                }
            };
            assertThrows(IllegalArgumentException.class, () -> lo.pollSet.register(foreign, "x"));
            assertThrows(NullPointerException.class, () -> lo.pollSet.register(p.client(), null));
            lo.pollSet.register(p.client(), "once");
            assertThrows(IllegalStateException.class, () -> lo.pollSet.register(p.client(), "twice"));
        }
    }

    @Test
    public void closingThePollSetKeepsTheSocketsOpen() throws Exception {
        try (Loopback lo = new Loopback()) {
            Loopback.Pair p = lo.pair();
            PollSet other = lo.mux.openPollSet();
            Registration reg = other.register(p.server(), "server");
            other.close();
            reg.arm(R); // after close: harmless
            reg.cancel();
            assertThrows(IOException.class, () -> other.poll(0, lo.recorder));
            assertThrows(IOException.class, () -> other.register(p.client(), "client"));
            writeFully(p.client(), "still open");
            assertEquals(readExactly(p.server(), 10), "still open");
            assertFalse(lo.recorder.has("server", R));
        }
    }

    @Test
    public void wakeupCountStaysZeroWhenNothingIsArmed() throws Exception {
        try (Loopback lo = new Loopback()) {
            SelectorPollSet ps = (SelectorPollSet) lo.pollSet;
            assertEquals(ps.wakeupCount(), 0);
            assertEquals(lo.pollSet.poll(1, lo.recorder), 0);
            assertEquals(ps.wakeupCount(), 0);
        }
    }
}
