package io.loomux.internal.serve;

import io.loomux.Connection;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

public class AcceptLoopTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration WAIT = Duration.ofSeconds(10);

    // TestNG runs every method on one instance: each gets these afresh.
    private ScriptedListener listener;
    private RecordingLogger log;
    private List<Connection> handed;
    /** The pauses the loop took; each moves the fake clock on by its length. */
    private List<Long> pauses;
    private AtomicLong clock;
    private AtomicReference<Throwable> uncaught;
    private AcceptLoop loop;
    private Thread thread;

    @BeforeMethod
    public void fresh() {
        listener = new ScriptedListener();
        log = new RecordingLogger();
        handed = new CopyOnWriteArrayList<>();
        pauses = new CopyOnWriteArrayList<>();
        clock = new AtomicLong();
        uncaught = new AtomicReference<>();
        loop = null;
        thread = null;
    }

    private AcceptLoop start(int maxConnections, AcceptLoop.Handoff handoff) {
        loop = new AcceptLoop(listener, maxConnections, handoff, log, nanos -> {
            pauses.add(nanos);
            clock.addAndGet(nanos);
        }, clock::get);
        thread = loop.start(Thread.ofPlatform().daemon().name("test-accept")
                .uncaughtExceptionHandler((t, e) -> uncaught.set(e)));
        return loop;
    }

    private AcceptLoop start(int maxConnections) {
        return start(maxConnections, handed::add);
    }

    @AfterMethod(alwaysRun = true)
    public void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            assertTrue(loop.join(WAIT), "the loop did not end after stop()");
        }
    }

    private static IOException emfile() {
        return new SocketException("Too many open files");
    }

    @Test(timeOut = 30_000)
    public void survivesFailuresAndErrorsBacksOffAndAcceptsAgain() throws Exception {
        listener.fail(3, AcceptLoopTest::emfile)
                .fail(2, () -> new Error("java.io.FileNotFoundException: tzdb.dat (Too many open files)"))
                .fail(1, StackOverflowError::new)
                .fail(1, () -> new OutOfMemoryError("Java heap space"))
                .fail(1, () -> new IllegalStateException("a backend's bug"));
        Connection a = listener.connect("a");
        listener.fail(2, AcceptLoopTest::emfile);
        Connection b = listener.connect("b");
        start(10);

        await().atMost(WAIT).until(() -> handed.size() == 2);
        assertEquals(handed, List.of(a, b));
        assertEquals(loop.errors(), 10);
        // Doubling from 10 ms, and from 10 ms again after the success.
        assertEquals(pauses, List.of(10 * MS, 20 * MS, 40 * MS, 80 * MS, 160 * MS, 320 * MS, 640 * MS, 1000 * MS,
                10 * MS, 20 * MS));
        assertTrue(thread.isAlive());
        assertEquals(uncaught.get(), null);
        // Each run: its first failure, and its end.
        assertEquals(log.count(System.Logger.Level.WARNING), 2, log.lines.toString());
        assertEquals(log.count(System.Logger.Level.INFO), 2, log.lines.toString());
        assertTrue(log.lines.get(0).contains("Too many open files"), log.lines.get(0));
        assertTrue(log.lines.get(1).contains("after 8 failures"), log.lines.get(1));
    }

    @Test(timeOut = 30_000)
    public void theBackOffStopsGrowingAtOneSecondAndTheLogAtOneLinePerTenSeconds() throws Exception {
        listener.fail(100, AcceptLoopTest::emfile);
        Connection a = listener.connect("a");
        start(10);

        await().atMost(WAIT).until(() -> handed.size() == 1);
        assertSame(handed.get(0), a);
        assertEquals(pauses.size(), 100);
        assertEquals(pauses.stream().mapToLong(Long::longValue).max().orElseThrow(), TimeUnit.SECONDS.toNanos(1));
        long elapsed = pauses.stream().mapToLong(Long::longValue).sum();
        long warnings = log.count(System.Logger.Level.WARNING);
        // The first failure, then at most one line per 10 s of the fake clock.
        assertTrue(warnings >= 2 && warnings <= 1 + elapsed / TimeUnit.SECONDS.toNanos(10) + 1,
                warnings + " warnings over " + elapsed / MS + " ms: " + log.lines);
        assertTrue(log.lines.stream().anyMatch(l -> l.contains("still failing")), log.lines.toString());
    }

    @Test(timeOut = 30_000)
    public void loggingThatThrowsDoesNotEndTheLoop() throws Exception {
        log.failure = () -> new NoClassDefFoundError("Could not initialize class sun.util.calendar.ZoneInfoFile");
        listener.fail(3, AcceptLoopTest::emfile);
        Connection a = listener.connect("a");
        start(10);

        await().atMost(WAIT).until(() -> handed.size() == 1);
        assertSame(handed.get(0), a);
        assertEquals(loop.errors(), 3);
        assertTrue(thread.isAlive());
    }

    @Test(timeOut = 30_000)
    public void aFatalErrorEndsTheLoop() throws Exception {
        listener.fail(1, AcceptLoopTest::emfile).fail(1, () -> new InternalError("the JVM is broken"));
        listener.connect("never");
        start(10);

        assertTrue(thread.join(WAIT));
        assertTrue(uncaught.get() instanceof InternalError, String.valueOf(uncaught.get()));
        assertTrue(handed.isEmpty());
        assertEquals(log.count(System.Logger.Level.ERROR), 1, log.lines.toString());
    }

    @Test(timeOut = 30_000)
    public void aHandoffThatThrowsIsPausedLikeAFailedAccept() throws Exception {
        listener.connect("a");
        Connection b = listener.connect("b");
        start(10, c -> {
            if (handed.isEmpty() && c.toString().equals("a")) {
                throw new OutOfMemoryError("unable to create native thread");
            }
            handed.add(c);
        });

        await().atMost(WAIT).until(() -> handed.size() == 1);
        assertSame(handed.get(0), b);
        assertEquals(pauses, List.of(10 * MS));
        assertEquals(loop.errors(), 0, "not an accept error");
    }

    @Test(timeOut = 30_000)
    public void atTheLimitItWaitsForAPermitBeforeAccepting() throws Exception {
        listener.connect("a");
        listener.connect("b");
        Connection c = listener.connect("c");
        start(2);

        await().atMost(WAIT).until(() -> handed.size() == 2 && thread.getState() == Thread.State.WAITING);
        // Waiting, with two connections handed over: for a permit, not in a third accept.
        assertEquals(listener.accepts.get(), 2);
        loop.release();
        await().atMost(WAIT).until(() -> handed.size() == 3);
        assertSame(handed.get(2), c);
    }

    @Test(timeOut = 30_000)
    public void aPermitReleasedTwiceIsRefused() throws Exception {
        listener.connect("a");
        start(5);
        await().atMost(WAIT).until(() -> handed.size() == 1);
        loop.release();
        assertThrows(IllegalStateException.class, loop::release);
    }

    @Test(timeOut = 30_000)
    public void stopEndsTheLoopWhereverItWaits() throws Exception {
        // In accept.
        start(1);
        await().atMost(WAIT).until(() -> thread.getState() == Thread.State.WAITING && listener.accepts.get() == 1);
        loop.stop();
        assertTrue(loop.join(WAIT));
        assertFalse(listener.isOpen());
        assertEquals(uncaught.get(), null);
        assertEquals(log.count(System.Logger.Level.WARNING), 0, log.lines.toString());
    }

    @Test(timeOut = 30_000)
    public void stopEndsTheLoopWaitingForAPermit() throws Exception {
        listener.connect("a");
        start(1);
        await().atMost(WAIT).until(() -> handed.size() == 1 && thread.getState() == Thread.State.WAITING);
        loop.stop();
        assertTrue(loop.join(WAIT));
        assertEquals(listener.accepts.get(), 1);
    }

    @Test(timeOut = 30_000)
    public void stopEndsTheLoopInItsPause() throws Exception {
        // A real pause this time: one long back-off that only stop() can cut short.
        listener.fail(8, AcceptLoopTest::emfile);
        loop = new AcceptLoop(listener, 1, handed::add, log);
        thread = loop.start(Thread.ofPlatform().daemon().name("test-accept"));
        await().atMost(WAIT).until(() -> loop.errors() == 8 && thread.getState() == Thread.State.TIMED_WAITING);
        loop.stop();
        assertTrue(loop.join(WAIT));
    }

    @Test(timeOut = 30_000)
    public void aListenerClosedUnderItEndsTheLoopWithAWarning() throws Exception {
        start(1);
        listener.close();
        assertTrue(thread.join(WAIT));
        assertEquals(log.count(System.Logger.Level.WARNING), 1, log.lines.toString());
        assertTrue(log.lines.get(0).contains("no longer accepting"), log.lines.get(0));
    }

    @Test
    public void backoffDoublesUpToOneSecondAndResets() {
        Backoff b = new Backoff();
        long[] got = LongStream.range(0, 9).map(i -> b.next() / MS).toArray();
        assertEquals(got, new long[] {10, 20, 40, 80, 160, 320, 640, 1000, 1000});
        b.reset();
        assertEquals(b.next(), 10 * MS);
    }

    @Test
    public void onlyABrokenJvmIsFatal() {
        assertTrue(LoopFailures.fatal(new InternalError()));
        assertTrue(LoopFailures.fatal(new UnknownError()));
        assertFalse(LoopFailures.fatal(new OutOfMemoryError()));
        assertFalse(LoopFailures.fatal(new StackOverflowError()));
        assertFalse(LoopFailures.fatal(new Error("tzdb.dat")));
        assertFalse(LoopFailures.fatal(new NoClassDefFoundError()));
        assertFalse(LoopFailures.fatal(new IOException()));
    }
}
