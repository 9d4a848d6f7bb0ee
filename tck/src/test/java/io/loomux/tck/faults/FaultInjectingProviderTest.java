package io.loomux.tck.faults;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.fail;

import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.testng.annotations.Test;

/**
 * The fault injector over an in-memory backend ({@link FakeProvider}), where anything short,
 * "would block", failed or extra came from the injector: the same seed gives the same faults, a
 * plan of none changes nothing, each kind occurs at its rate, and the contract's bounds hold.
 */
public class FaultInjectingProviderTest {

    private static final int R = Events.READABLE;
    private static final int W = Events.WRITABLE;

    /** Polls once and checks the sink contract: each attachment at most once, the count returned. */
    private static Map<Object, Integer> poll(PollSet ps, long timeout) throws IOException {
        Map<Object, Integer> got = new HashMap<>();
        int n = ps.poll(timeout, (a, e) -> {
            assertNotNull(a);
            assertTrue(e != 0 && (e & ~0xF) == 0, "bits " + e);
            assertNull(got.put(a, e), a + " reported twice in one poll");
        });
        assertEquals(n, got.size(), "poll returns the number of reports");
        return got;
    }

    /**
     * A script of calls of every kind, driven by its own fixed random numbers, and what each
     * returned or threw: the same for the same seed.
     */
    private static List<String> transcript(MultiplexerProvider p) throws IOException {
        List<String> t = new ArrayList<>();
        SplittableRandom script = new SplittableRandom(7);
        FakeProvider fake = fakeOf(p);
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            ListenerHandle l = mux.listen(null, 0, Map.of());
            ps.register(l, "listener");
            List<SocketHandle> socks = new ArrayList<>();
            for (int step = 0; step < 3000; step++) {
                try {
                    switch (script.nextInt(6)) {
                        case 0 -> {
                            SocketHandle s = socks.size() < 20 ? l.accept() : null;
                            if (s != null) {
                                ps.register(s, "s" + socks.size());
                                socks.add(s);
                            }
                            t.add("accept " + (s != null));
                        }
                        case 1, 2 -> {
                            if (!socks.isEmpty()) {
                                t.add("read " + socks.get(script.nextInt(socks.size())).read(ByteBuffer.allocate(100)));
                            }
                        }
                        case 3 -> {
                            if (!socks.isEmpty()) {
                                ByteBuffer[] bufs = {ByteBuffer.allocate(30), ByteBuffer.allocate(70)};
                                SocketHandle s = socks.get(script.nextInt(socks.size()));
                                t.add("write " + (script.nextBoolean() ? s.write(bufs[0]) : s.write(bufs, 0, 2)));
                            }
                        }
                        default -> {
                            if (!socks.isEmpty()) {
                                fake.raise("s" + script.nextInt(socks.size()), script.nextBoolean() ? R : W);
                            }
                            t.add("poll " + new java.util.TreeMap<>(poll(ps, 0)));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    t.add(e.getClass().getSimpleName() + " " + e.getMessage());
                }
            }
        }
        return t;
    }

    private static final Map<MultiplexerProvider, FakeProvider> FAKES = new java.util.IdentityHashMap<>();

    private static FakeProvider fakeOf(MultiplexerProvider p) {
        return p instanceof FakeProvider f ? f : FAKES.get(p);
    }

    private static FaultInjectingProvider injector(Triggering mode, long seed, FaultPlan plan) {
        FakeProvider fake = new FakeProvider(mode);
        FaultInjectingProvider p = new FaultInjectingProvider(fake, seed, plan);
        FAKES.put(p, fake);
        return p;
    }

    private static FaultPlan everything(int perMille) {
        FaultPlan.Builder b = FaultPlan.builder();
        for (Fault f : Fault.values()) {
            b.rate(f, perMille);
        }
        return b.build();
    }

    @Test
    public void theSameSeedGivesTheSameFaults() throws IOException {
        FaultPlan plan = everything(60);
        FaultInjectingProvider a = injector(Triggering.EDGE, 42, plan);
        FaultInjectingProvider b = injector(Triggering.EDGE, 42, plan);
        FaultInjectingProvider c = injector(Triggering.EDGE, 43, plan);
        List<String> ta = transcript(a);
        assertEquals(transcript(b), ta);
        assertEquals(b.counts().toString(), a.counts().toString());
        assertNotEquals(transcript(c), ta, "another seed, other faults");
        assertTrue(a.counts().total() > 100, a.counts().toString());
        assertTrue(a.counts().toString().contains("seed 0x2a"), a.counts().toString());
    }

    @Test
    public void aPlanOfNoFaultsIsTransparent() throws IOException {
        for (Triggering mode : Triggering.values()) {
            List<String> plain = transcript(new FakeProvider(mode));
            FaultInjectingProvider none = injector(mode, 42, FaultPlan.none());
            assertEquals(transcript(none), plain, mode.toString());
            assertEquals(none.counts().total(), 0L);
            assertTrue(FaultPlan.none().injectsNothing());
        }
    }

    /** Counts one kind alone at 10% over {@code calls} calls: within a quarter of the expected. */
    private static void assertRate(Fault kind, long count, int calls) {
        double expected = calls * 0.1;
        assertTrue(Math.abs(count - expected) < expected / 4, kind + ": " + count + " in " + calls + " calls at 10%");
    }

    private static FaultPlan only(Fault kind) {
        return FaultPlan.builder().rate(kind, 100).stormLength(1).build();
    }

    @Test
    public void eachKindOccursAtItsRate() throws IOException {
        int calls = 20_000;
        for (Fault kind : List.of(Fault.SHORT_READ, Fault.SHORT_WRITE, Fault.WOULD_BLOCK)) {
            FaultInjectingProvider p = injector(Triggering.EDGE, 1, only(kind));
            try (Multiplexer mux = p.open()) {
                SocketHandle s = mux.connect(null, Map.of());
                for (int i = 0; i < calls; i++) {
                    if (kind == Fault.SHORT_WRITE) {
                        s.write(ByteBuffer.allocate(100));
                    } else {
                        s.read(ByteBuffer.allocate(100));
                    }
                }
            }
            assertRate(kind, p.counts().count(kind), calls);
        }
        for (Fault kind : List.of(Fault.RESET, Fault.BROKEN_PIPE)) {
            FaultInjectingProvider p = injector(Triggering.EDGE, 2, only(kind));
            try (Multiplexer mux = p.open()) {
                for (int i = 0; i < calls; i++) {
                    SocketHandle s = mux.connect(null, Map.of());
                    try {
                        if (kind == Fault.RESET) {
                            s.read(ByteBuffer.allocate(100));
                        } else {
                            s.write(ByteBuffer.allocate(100));
                        }
                    } catch (SocketException expected) {
                        // counted
                    }
                }
            }
            assertRate(kind, p.counts().count(kind), calls);
            assertEquals(p.counts().faultedConnections(), p.counts().count(kind));
        }
        FaultInjectingProvider emfile = injector(Triggering.EDGE, 3, only(Fault.TOO_MANY_OPEN_FILES));
        try (Multiplexer mux = emfile.open()) {
            ListenerHandle l = mux.listen(null, 0, Map.of());
            for (int i = 0; i < calls; i++) {
                try {
                    l.accept();
                } catch (SocketException expected) {
                    // counted
                }
            }
        }
        assertRate(Fault.TOO_MANY_OPEN_FILES, emfile.counts().count(Fault.TOO_MANY_OPEN_FILES), calls);
        for (Fault kind : List.of(Fault.SPURIOUS_EVENT, Fault.LATE_EVENT, Fault.DUPLICATE_EVENT, Fault.POLL_FAILURE)) {
            FaultInjectingProvider p = injector(Triggering.EDGE, 4, only(kind));
            FakeProvider fake = fakeOf(p);
            try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
                ps.register(mux.connect(null, Map.of()), "s");
                for (int i = 0; i < calls; i++) {
                    fake.raise("s", R);
                    try {
                        poll(ps, 0);
                    } catch (InjectedPollFailure expected) {
                        // an injected poll failure
                    }
                }
            }
            assertRate(kind, p.counts().count(kind), calls);
        }
    }

    @Test
    public void onEdgeAnInjectedWouldBlockOrShortCallIsReportedByTheNextPoll() throws IOException {
        FaultInjectingProvider p = injector(Triggering.EDGE, 5, FaultPlan.builder()
                .rate(Fault.WOULD_BLOCK, 300).rate(Fault.SHORT_READ, 300).rate(Fault.SHORT_WRITE, 300).build());
        FakeProvider fake = fakeOf(p);
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            SocketHandle s = mux.connect(null, Map.of());
            ps.register(s, "s");
            int owed = 0;
            for (int i = 0; i < 2000; i++) {
                boolean reading = i % 2 == 0;
                int n = reading ? s.read(ByteBuffer.allocate(100)) : s.write(ByteBuffer.allocate(100));
                if (n < 100) { // the fake always takes or gives everything: the injector did this
                    owed++;
                    int before = fake.timeouts.size();
                    Map<Object, Integer> got = poll(ps, -1);
                    assertEquals((long) fake.timeouts.get(before), 0L, "a poll with a report owed does not wait");
                    int dir = reading ? R : W;
                    assertTrue((got.getOrDefault("s", 0) & dir) != 0, "call " + i + " came back " + n
                            + " and the next poll reported " + got);
                }
            }
            assertTrue(owed > 500, "faults injected: " + owed);
        }
    }

    @Test
    public void aLateReportComesWithinTheBoundFromPollsThatDoNotWait() throws IOException {
        FaultInjectingProvider p = injector(Triggering.EDGE, 6, FaultPlan.builder()
                .rate(Fault.LATE_EVENT, 500).rate(Fault.DUPLICATE_EVENT, 300).lateBound(3).build());
        FakeProvider fake = fakeOf(p);
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            ps.register(mux.connect(null, Map.of()), "s");
            for (int i = 0; i < 2000; i++) {
                fake.raise("s", R);
                int polls = 0;
                // The first poll has the report or holds it; at most lateBound more give it.
                for (; polls <= 3; polls++) {
                    if (!poll(ps, polls == 0 ? 1000 : -1).isEmpty()) {
                        break;
                    }
                    assertEquals((long) fake.timeouts.get(fake.timeouts.size() - 1),
                            polls == 0 ? 1000L : 0L, "only a poll with nothing held may wait");
                }
                assertTrue(polls <= 3, "a report held back more than 3 polls");
                // Drain duplicates and anything else still held before the next round.
                for (int k = 0; k < 4; k++) {
                    poll(ps, 0);
                }
            }
            assertTrue(p.counts().count(Fault.LATE_EVENT) > 500, p.counts().toString());
        }
    }

    @Test
    public void oneShotReportsOnlyArmedInterestAndOncePerArming() throws IOException {
        FaultPlan plan = everything(0).toBuilder().rate(Fault.SPURIOUS_EVENT, 1000).rate(Fault.DUPLICATE_EVENT, 500)
                .rate(Fault.LATE_EVENT, 500).rate(Fault.RESET, 20).rate(Fault.BROKEN_PIPE, 20).build();
        FaultInjectingProvider p = injector(Triggering.ONE_SHOT, 8, plan);
        SplittableRandom script = new SplittableRandom(8);
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            List<SocketHandle> socks = new ArrayList<>();
            List<Registration> regs = new ArrayList<>();
            int[] armed = new int[8];
            for (int i = 0; i < 8; i++) {
                socks.add(mux.connect(null, Map.of()));
                regs.add(ps.register(socks.get(i), i));
            }
            int reports = 0;
            for (int step = 0; step < 20_000; step++) {
                int i = script.nextInt(8);
                switch (script.nextInt(4)) {
                    case 0 -> {
                        int interest = script.nextBoolean() ? R : W;
                        armed[i] |= interest;
                        regs.get(i).arm(interest);
                    }
                    case 1 -> {
                        try {
                            socks.get(i).read(ByteBuffer.allocate(10));
                            socks.get(i).write(ByteBuffer.allocate(10));
                        } catch (SocketException faulted) {
                            // its later reports are checked all the same
                        }
                    }
                    default -> {
                        for (Map.Entry<Object, Integer> e : poll(ps, 0).entrySet()) {
                            int k = (Integer) e.getKey();
                            int bits = e.getValue();
                            assertTrue(armed[k] != 0, "step " + step + ": " + k + " reported "
                                    + Events.toString(bits) + " with nothing armed");
                            assertEquals(bits & (R | W) & ~armed[k], 0, "step " + step + ": " + k
                                    + " reported " + Events.toString(bits) + ", armed " + Events.toString(armed[k]));
                            armed[k] = (bits & (Events.HANGUP | Events.ERROR)) != 0 ? 0 : armed[k] & ~bits;
                            reports++;
                        }
                    }
                }
            }
            assertTrue(reports > 1000, "reports: " + reports);
            assertTrue(p.counts().count(Fault.SPURIOUS_EVENT) > 100, p.counts().toString());
        }
    }

    @Test
    public void nothingIsReportedAfterCancelOrClose() throws IOException {
        FaultInjectingProvider p = injector(Triggering.EDGE, 9, FaultPlan.builder()
                .rate(Fault.SPURIOUS_EVENT, 1000).rate(Fault.LATE_EVENT, 1000).rate(Fault.WOULD_BLOCK, 1000).build());
        FakeProvider fake = fakeOf(p);
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            SocketHandle a = mux.connect(null, Map.of());
            SocketHandle b = mux.connect(null, Map.of());
            Registration ra = ps.register(a, "a");
            ps.register(b, "b");
            fake.raise("a", R);
            fake.raise("b", R);
            poll(ps, 0); // both held back
            a.read(ByteBuffer.allocate(10)); // would block: a report owed to a
            b.read(ByteBuffer.allocate(10));
            ra.cancel();
            b.close();
            for (int i = 0; i < 10; i++) {
                assertEquals(poll(ps, 0), Map.of(), "reported after cancel or close");
            }
        }
    }

    @Test
    public void pollFailuresAreUncheckedAndNeverMoreThanThreeInARow() throws IOException {
        FaultInjectingProvider p = injector(Triggering.EDGE, 10, FaultPlan.builder().rate(Fault.POLL_FAILURE, 1000).build());
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            int inARow = 0;
            for (int i = 0; i < 100; i++) {
                try {
                    poll(ps, 0);
                    assertEquals(inARow, InjectedPollSet.MAX_POLL_FAILURES_IN_A_ROW);
                    inARow = 0;
                } catch (InjectedPollFailure e) {
                    inARow++;
                    assertTrue(inARow <= 3, "failures in a row: " + inARow);
                    assertTrue(e.getMessage().contains("seed 0xa"), e.getMessage());
                }
            }
            assertEquals(p.counts().count(Fault.POLL_FAILURE), 75L);
        }
    }

    @Test
    public void aFaultedConnectionFailsForGoodAndWakesItsWaiters() throws IOException {
        FaultInjectingProvider p = injector(Triggering.EDGE, 11, FaultPlan.builder().rate(Fault.RESET, 1000).build());
        try (Multiplexer mux = p.open(); PollSet ps = mux.openPollSet()) {
            SocketHandle s = mux.connect(null, Map.of());
            ps.register(s, "s");
            try {
                s.read(ByteBuffer.allocate(10));
                fail("reset expected");
            } catch (SocketException e) {
                assertEquals(e.getMessage(), "Connection reset");
            }
            assertEquals(poll(ps, -1), Map.of("s", Events.ERROR), "a waiter on either direction wakes");
            for (int i = 0; i < 3; i++) {
                SocketException r = expectThrows(() -> s.read(ByteBuffer.allocate(10)));
                assertEquals(r.getMessage(), "Connection reset");
                SocketException w = expectThrows(() -> s.write(ByteBuffer.allocate(10)));
                assertEquals(w.getMessage(), "Broken pipe");
            }
            assertEquals(s.getOption(StandardSocketOptions.SO_LINGER), Integer.valueOf(0), "its close sends a reset");
            assertEquals(p.counts().faultedConnections(), 1L);
            assertEquals(p.counts().count(Fault.RESET), 1L);
            assertTrue(p.faulted(s.remoteAddress(), s.localAddress()));
            assertFalse(p.faulted(s.localAddress(), s.localAddress()));
        }
    }

    @Test
    public void aFaultedConnectionIsRememberedForTheFaultMemoryOnly() throws IOException {
        AtomicLong now = new AtomicLong();
        FaultInjectingProvider p = new FaultInjectingProvider(new FakeProvider(Triggering.EDGE), 12,
                FaultPlan.builder().rate(Fault.RESET, 1000).build(), now::get);
        try (Multiplexer mux = p.open()) {
            SocketHandle s = mux.connect(null, Map.of());
            expectThrows(() -> s.read(ByteBuffer.allocate(10)));
            assertTrue(p.faulted(s.localAddress(), s.remoteAddress()), "remembered at once");
            now.addAndGet(FaultInjectingProvider.FAULT_MEMORY.toNanos());
            assertTrue(p.faulted(s.localAddress(), s.remoteAddress()), "remembered for the whole memory");
            now.incrementAndGet();
            assertFalse(p.faulted(s.localAddress(), s.remoteAddress()), "forgotten after it, so memory stays bounded");
        }
    }

    private interface Call {
        int run() throws IOException;
    }

    private static SocketException expectThrows(Call c) throws IOException {
        try {
            c.run();
        } catch (SocketException e) {
            return e;
        }
        throw new AssertionError("expected a SocketException");
    }

    @Test
    public void tooManyOpenFilesLeavesThePendingConnectionQueued() throws IOException {
        FaultInjectingProvider p = injector(Triggering.ONE_SHOT, 12, FaultPlan.builder()
                .rate(Fault.TOO_MANY_OPEN_FILES, 500).stormLength(4).build());
        FakeProvider fake = fakeOf(p);
        Set<String> messages = new HashSet<>();
        int accepted = 0;
        try (Multiplexer mux = p.open()) {
            ListenerHandle l = mux.listen(null, 0, Map.of());
            for (int i = 0; i < 1000; i++) {
                try {
                    assertNotNull(l.accept());
                    accepted++;
                } catch (SocketException e) {
                    assertTrue(e.getMessage().contains("Too many open files"), e.getMessage());
                    messages.add(e.getMessage());
                }
            }
        }
        assertEquals(fake.accepts, accepted, "a failed accept takes no connection off the queue");
        assertEquals(p.counts().count(Fault.TOO_MANY_OPEN_FILES), 1000L - accepted);
        assertEquals(messages, Set.of("Too many open files", "Too many open files in system"), "EMFILE and ENFILE");
    }
}
