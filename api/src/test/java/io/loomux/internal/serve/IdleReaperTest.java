package io.loomux.internal.serve;

import org.testng.annotations.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

public class IdleReaperTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    public void theTickIsATenthOfTheTimeoutBetweenTenMillisecondsAndOneSecond() {
        assertEquals(tick(Duration.ofSeconds(30)), Duration.ofSeconds(1));
        assertEquals(tick(Duration.ofSeconds(10)), Duration.ofSeconds(1));
        assertEquals(tick(Duration.ofSeconds(2)), Duration.ofMillis(200));
        assertEquals(tick(Duration.ofMillis(50)), Duration.ofMillis(10));
        assertEquals(tick(Duration.ofNanos(1)), Duration.ofMillis(10));
        assertEquals(tick(Duration.ofSeconds(Long.MAX_VALUE)), Duration.ofSeconds(1));
        assertThrows(IllegalArgumentException.class, () -> tick(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> tick(Duration.ofSeconds(-1)));
    }

    private static Duration tick(Duration timeout) {
        return new IdleReaper(timeout, now -> { }, new RecordingLogger(), "test").tick();
    }

    @Test(timeOut = 30_000)
    public void sweepsEveryTickAndGoesOnAfterASweepThrows() throws Exception {
        List<Long> sweeps = new CopyOnWriteArrayList<>();
        RecordingLogger log = new RecordingLogger();
        IdleReaper reaper = new IdleReaper(Duration.ofMillis(100), now -> {
            sweeps.add(now);
            if (sweeps.size() == 2) {
                throw new IllegalStateException("a connection's close threw");
            }
            if (sweeps.size() == 3) {
                throw new OutOfMemoryError("Java heap space");
            }
        }, log, "test");
        Thread t = reaper.start(Thread.ofPlatform().daemon().name("test-idle"));
        try {
            await().atMost(WAIT).until(() -> sweeps.size() >= 6);
            assertTrue(t.isAlive());
            for (int i = 1; i < sweeps.size(); i++) {
                assertTrue(sweeps.get(i) - sweeps.get(i - 1) >= IdleReaper.MIN_TICK_NANOS, sweeps.toString());
            }
            assertEquals(log.count(System.Logger.Level.WARNING), 1, log.lines.toString());
        } finally {
            reaper.stop();
        }
        assertTrue(t.join(WAIT), "the reaper did not end after stop()");
    }

    @Test(timeOut = 30_000)
    public void stopEndsItInItsSleep() throws Exception {
        IdleReaper reaper = new IdleReaper(Duration.ofHours(1), now -> { }, new RecordingLogger(), "test");
        Thread t = reaper.start(Thread.ofPlatform().daemon().name("test-idle"));
        await().atMost(WAIT).until(() -> t.getState() == Thread.State.TIMED_WAITING);
        reaper.stop();
        assertTrue(t.join(WAIT));
    }

    @Test(timeOut = 30_000)
    public void aFatalErrorEndsIt() throws Exception {
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        IdleReaper reaper = new IdleReaper(Duration.ofMillis(100), now -> {
            throw new InternalError("the JVM is broken");
        }, new RecordingLogger(), "test");
        Thread t = reaper.start(Thread.ofPlatform().daemon().name("test-idle")
                .uncaughtExceptionHandler((th, e) -> uncaught.set(e)));
        assertTrue(t.join(WAIT));
        assertTrue(uncaught.get() instanceof InternalError, String.valueOf(uncaught.get()));
    }
}
