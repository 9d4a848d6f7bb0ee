package io.loomux.epoll;

import io.loomux.spi.Availability;
import io.loomux.spi.Events;
import io.loomux.spi.PollSet;
import org.testng.SkipException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** What the tests share: the skip rule and a poll-until helper. */
final class EpollTesting {

    /** The longest any single wait in these tests may take. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private EpollTesting() {
    }

    /** @throws SkipException if the epoll backend cannot run here, with its reason */
    static void requireEpoll() {
        Availability a = new EpollMultiplexerProvider().availability();
        if (!a.available()) {
            throw new SkipException("the epoll backend is unavailable here: " + a.reason());
        }
    }

    /** @return 127.0.0.1 with port 0 */
    static InetSocketAddress loopback4() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** Accumulates what polls report, per attachment. Used from the polling thread only. */
    static final class Collector implements PollSet.EventSink {
        final Map<Object, Integer> seen = new HashMap<>();
        int calls;

        @Override
        public void event(Object attachment, int events) {
            calls++;
            seen.merge(attachment, events, (a, b) -> a | b);
        }

        int bits(Object attachment) {
            return seen.getOrDefault(attachment, 0);
        }

        void clear() {
            seen.clear();
            calls = 0;
        }
    }

    /**
     * Polls (short timeouts, on this thread) until {@code attachment} was reported with all of
     * {@code bits}, within {@link #WAIT}.
     *
     * @return every bit reported for the attachment meanwhile
     */
    static int pollUntil(PollSet ps, Collector c, Object attachment, int bits) {
        await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(1)).until(() -> {
            ps.poll(50, c);
            return (c.bits(attachment) & bits) == bits;
        });
        return c.bits(attachment);
    }

    /**
     * Polls until {@code attachment} was reported with any of {@code bits}.
     *
     * @return every bit reported for the attachment meanwhile
     */
    static int pollUntilAny(PollSet ps, Collector c, Object attachment, int bits) {
        await().atMost(WAIT).pollInSameThread().pollInterval(Duration.ofMillis(1)).until(() -> {
            ps.poll(50, c);
            return (c.bits(attachment) & bits) != 0;
        });
        return c.bits(attachment);
    }

    /** @return a readable form for failure messages */
    static String show(int bits) {
        return Events.toString(bits);
    }

    /** Wraps checked I/O for lambdas. */
    interface IoRunnable {
        void run() throws IOException;
    }

    static Runnable unchecked(IoRunnable r) {
        return () -> {
            try {
                r.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
