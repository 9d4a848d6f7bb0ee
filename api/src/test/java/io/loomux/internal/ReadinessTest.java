package io.loomux.internal;

import org.testng.annotations.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/** The state machine alone, driven from two threads. */
public class ReadinessTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private static CompletableFuture<Integer> awaitAsync(Readiness r, long deadline, Counters c, Thread[] holder) {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        holder[0] = Thread.ofVirtual().start(() -> f.complete(r.await(deadline, c)));
        return f;
    }

    private static void awaitParked(Thread t) {
        await().atMost(PATIENCE).until(() -> t.getState() == Thread.State.WAITING
                || t.getState() == Thread.State.TIMED_WAITING);
    }

    @Test(timeOut = 20_000)
    public void signalBeforeAwaitReturnsWithoutParking() {
        Readiness r = new Readiness();
        Counters c = new Counters();
        r.signal();
        assertEquals(r.await(0, c), Readiness.OK);
        assertEquals(c.snapshot().parks(), 0, "an event already there must not park");
    }

    @Test(timeOut = 20_000)
    public void consumeForgetsOldReadinessSoAwaitParksUntilTheNextSignal() throws Exception {
        Readiness r = new Readiness();
        Counters c = new Counters();
        r.signal();
        r.consume();
        assertTrue(r.isIdle());
        Thread[] t = new Thread[1];
        CompletableFuture<Integer> f = awaitAsync(r, 0, c, t);
        awaitParked(t[0]);
        assertFalse(f.isDone());
        r.signal();
        assertEquals(f.get(10, TimeUnit.SECONDS), Readiness.OK);
        assertEquals(c.snapshot().parks(), 1);
    }

    @Test(timeOut = 20_000)
    public void spuriousUnparkParksAgain() throws Exception {
        Readiness r = new Readiness();
        Counters c = new Counters();
        Thread[] t = new Thread[1];
        CompletableFuture<Integer> f = awaitAsync(r, 0, c, t);
        awaitParked(t[0]);
        LockSupport.unpark(t[0]);
        // the waiter wakes, finds itself still in the state, and parks again
        awaitParked(t[0]);
        assertFalse(f.isDone(), "a spurious unpark must not end the wait");
        r.signal();
        assertEquals(f.get(10, TimeUnit.SECONDS), Readiness.OK);
    }

    @Test(timeOut = 20_000)
    public void deadlineReturnsTimeoutAndLeavesIdle() throws Exception {
        Readiness r = new Readiness();
        Counters c = new Counters();
        long start = System.nanoTime();
        int result = r.await(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), c);
        assertEquals(result, Readiness.TIMEOUT);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
        assertTrue(r.isIdle(), "after a timeout the direction is usable again");
        r.signal();
        assertEquals(r.await(0, c), Readiness.OK);
    }

    @Test(timeOut = 20_000)
    public void closeWakesTheWaiterAndIsTerminal() throws Exception {
        Readiness r = new Readiness();
        Counters c = new Counters();
        Thread[] t = new Thread[1];
        CompletableFuture<Integer> f = awaitAsync(r, 0, c, t);
        awaitParked(t[0]);
        r.close();
        assertEquals(f.get(10, TimeUnit.SECONDS), Readiness.CLOSED);
        r.signal();
        assertTrue(r.isClosed(), "a late event must not reopen a closed direction");
        assertEquals(r.await(0, c), Readiness.CLOSED);
    }

    @Test(timeOut = 20_000)
    public void interruptEndsTheWaitWithStatusKept() throws Exception {
        Readiness r = new Readiness();
        Counters c = new Counters();
        CompletableFuture<Object[]> f = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().start(() -> {
            int res = r.await(0, c);
            f.complete(new Object[]{res, Thread.currentThread().isInterrupted()});
        });
        awaitParked(t);
        t.interrupt();
        Object[] out = f.get(10, TimeUnit.SECONDS);
        assertEquals(out[0], Readiness.INTERRUPTED);
        assertEquals(out[1], true, "interrupt status stays set, as InterruptibleChannel leaves it");
        assertTrue(r.isIdle());
    }

    @Test(timeOut = 60_000)
    public void noLostWakeUpUnderRace() throws Exception {
        // A poller signals while the thread goes from consume to await, many times over; every
        // round must end (a lost wake-up would hang the round until the test times out).
        Counters c = new Counters();
        int rounds = 20_000;
        for (int i = 0; i < rounds; i++) {
            Readiness r = new Readiness();
            r.consume();
            Thread poller = Thread.ofPlatform().start(r::signal);
            assertEquals(r.await(System.nanoTime() + TimeUnit.SECONDS.toNanos(10), c), Readiness.OK, "round " + i);
            poller.join();
        }
    }

    // ---- armed actions: waiting without a thread ----------------------------------------------

    @Test(timeOut = 20_000)
    public void anArmedActionRunsOnceOnTheNextSignal() {
        Readiness r = new Readiness();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        assertTrue(r.arm(runs::incrementAndGet));
        assertEquals(runs.get(), 0, "arming must not run the action");
        assertFalse(r.isIdle());
        r.signal();
        assertEquals(runs.get(), 1);
        r.signal();
        assertEquals(runs.get(), 1, "an action runs once; later events only leave READY");
        assertEquals(r.await(0, new Counters()), Readiness.OK, "the event is left for the reader");
    }

    @Test(timeOut = 20_000)
    public void armingRefusesWhenAnEventAlreadyArrived() {
        Readiness r = new Readiness();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        r.signal();
        assertFalse(r.arm(runs::incrementAndGet), "an event since consume() must not be slept through");
        assertEquals(runs.get(), 0);
        r.consume();
        assertTrue(r.arm(runs::incrementAndGet), "after consume the state is IDLE and arming works");
    }

    @Test(timeOut = 20_000)
    public void closeRunsAnArmedActionAndLaterArmsAreRefused() {
        Readiness r = new Readiness();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        assertTrue(r.arm(runs::incrementAndGet));
        r.close();
        assertEquals(runs.get(), 1, "close must start the work again so that it sees the close");
        assertTrue(r.isClosed());
        assertFalse(r.arm(runs::incrementAndGet));
        r.signal();
        assertEquals(runs.get(), 1);
    }

    @Test(timeOut = 20_000)
    public void aThreadCannotWaitWhileAnActionIsArmed() {
        Readiness r = new Readiness();
        assertTrue(r.arm(() -> { }));
        try {
            r.await(0, new Counters());
            org.testng.Assert.fail("await must refuse while an action is armed");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage().contains("armed"), expected.getMessage());
        }
    }

    @Test(timeOut = 20_000)
    public void aThreadIsNotAnAction() {
        Readiness r = new Readiness();
        org.testng.Assert.assertThrows(IllegalArgumentException.class, () -> r.arm(Thread.ofVirtual().unstarted(() -> { })));
        assertTrue(r.isIdle());
    }

    @Test(timeOut = 20_000)
    public void signalAndArmRacingNeverLoseTheEvent() throws Exception {
        // Whichever wins, the event is either seen by arm (refused) or runs the action: never neither.
        for (int i = 0; i < 2_000; i++) {
            Readiness r = new Readiness();
            java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            Thread poller = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                r.signal();
            });
            go.countDown();
            boolean armed = r.arm(runs::incrementAndGet);
            poller.join(PATIENCE.toMillis());
            assertFalse(poller.isAlive());
            assertEquals(runs.get() + (armed ? 0 : 1), 1, "run " + i + ": armed=" + armed + ", runs=" + runs.get());
        }
    }
}
