package io.loomux.internal;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;

import io.loomux.spi.Events;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.Handle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.Test;

/**
 * Where the events of the platform thread's blocking poll are delivered. A busy poll hands the
 * turn to the carrier side, and its events go with it: delivered from the platform thread, they
 * would wake their readers onto a queue of the scheduler's that a busy carrier-side poller passes
 * over (whole batches of keep-alive connections waited a second at 1,000 connections). A quiet
 * poll keeps the turn and delivers its event itself, the cheaper way at low load.
 */
public class PollerHandOverTest {

    @Test
    public void aBusyPollsEventsAreDeliveredByTheCarrierSide() throws Exception {
        List<String> where = deliveries(List.of("a", "b", "c"));
        assertEquals(where, List.of("a virtual", "b virtual", "c virtual"));
    }

    @Test
    public void aQuietPollsEventIsDeliveredByThePlatformThread() throws Exception {
        List<String> where = deliveries(List.of("a"));
        assertEquals(where, List.of("a platform"));
    }

    /** Runs a poller whose first blocking poll reports one event per attachment given. */
    private static List<String> deliveries(List<String> firstPoll) throws Exception {
        ScriptedPollSet pollSet = new ScriptedPollSet(firstPoll);
        ConcurrentLinkedQueue<String> delivered = new ConcurrentLinkedQueue<>();
        Poller poller = new Poller(pollSet, new Counters(), "test-poller", () -> { },
                (attachment, events) -> delivered.add(attachment + (Thread.currentThread().isVirtual() ? " virtual" : " platform")));
        poller.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> delivered.size() >= firstPoll.size());
        } finally {
            poller.stop();
        }
        return new ArrayList<>(delivered);
    }

    /**
     * The first blocking poll reports the scripted events; every later poll finds nothing, a
     * blocking one after waiting for a wake-up.
     */
    private static final class ScriptedPollSet implements PollSet {
        private final List<String> first;
        private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>();
        private boolean reported;

        ScriptedPollSet(List<String> first) {
            this.first = first;
        }

        @Override
        public Registration register(Handle handle, Object attachment) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public int poll(long timeoutMillis, EventSink sink) throws java.io.IOException {
            if (timeoutMillis != 0 && !reported) {
                reported = true;
                for (String a : first) {
                    sink.event(a, Events.READABLE);
                }
                return first.size();
            }
            if (timeoutMillis != 0) {
                try {
                    // Bounded: stop() wakes it, and the test's own wait is bounded.
                    wakeups.poll(timeoutMillis < 0 ? 10_000 : timeoutMillis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return 0;
        }

        @Override
        public void wakeup() {
            wakeups.add(true);
        }

        @Override
        public void close() {
        }
    }
}
