package io.loomux.selector;

import static org.awaitility.Awaitility.await;

import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.SocketHandle;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionFactory;

/**
 * A multiplexer, a poll set and the sockets a test opens, all closed together. Everything on
 * loopback; every wait bounded by Awaitility.
 */
final class Loopback implements AutoCloseable {

    static final Duration PATIENCE = Duration.ofSeconds(10);

    final Multiplexer mux;
    final PollSet pollSet;
    final Recorder recorder = new Recorder();
    private final List<Handle> toClose = new ArrayList<>();

    Loopback() throws IOException {
        mux = new SelectorMultiplexerProvider().open();
        pollSet = mux.openPollSet();
    }

    /** Awaitility evaluating on the calling thread: the poll set has one poller at a time. */
    static ConditionFactory patiently() {
        return await().atMost(PATIENCE).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1));
    }

    static InetSocketAddress loopback4() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    ListenerHandle listen(InetSocketAddress local, Map<SocketOption<?>, ?> options) throws IOException {
        return track(mux.listen(local, 0, options));
    }

    SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) throws IOException {
        return track(mux.connect(remote, options));
    }

    /** Accepts by retrying accept(): independent of the poll set under test. */
    SocketHandle acceptOne(ListenerHandle listener) {
        AtomicReference<SocketHandle> accepted = new AtomicReference<>();
        patiently().until(() -> {
            accepted.set(listener.accept());
            return accepted.get() != null;
        });
        return track(accepted.get());
    }

    /** Finishes a connect by retrying finishConnect(): independent of the poll set under test. */
    static void finish(SocketHandle client) {
        patiently().until(client::finishConnect);
    }

    /** A connected client and server on IPv4 loopback. */
    Pair pair() throws IOException {
        return pair(loopback4(), Map.of(), Map.of());
    }

    Pair pair(InetSocketAddress where, Map<SocketOption<?>, ?> listenOptions, Map<SocketOption<?>, ?> connectOptions)
            throws IOException {
        ListenerHandle listener = listen(where, listenOptions);
        SocketHandle client = connect(listener.localAddress(), connectOptions);
        SocketHandle server = acceptOne(listener);
        finish(client);
        return new Pair(listener, client, server);
    }

    /** Closes the handle with the rest, once (closing it again is a no-op for this backend). */
    <T extends Handle> T track(T handle) {
        if (handle != null) {
            toClose.add(handle);
        }
        return handle;
    }

    /** Polls with a zero timeout once. */
    int pollNow() throws IOException {
        return pollSet.poll(0, recorder);
    }

    /** Polls until the attachment has been reported with all the given bits. */
    void awaitEvent(Object attachment, int events) {
        patiently().until(() -> {
            pollSet.poll(10, recorder);
            return recorder.has(attachment, events);
        });
    }

    /** Writes all of the text, retrying while the socket is full. */
    static void writeFully(SocketHandle h, String text) {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        patiently().until(() -> {
            h.write(b);
            return !b.hasRemaining();
        });
    }

    /** Reads exactly n bytes, retrying while none are there. */
    static String readExactly(SocketHandle h, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        patiently().until(() -> {
            if (h.read(b) < 0) {
                throw new IOException("end of stream after " + b.position() + " bytes");
            }
            return !b.hasRemaining();
        });
        return new String(b.array(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        List<Closeable> all = new ArrayList<>();
        toClose.forEach(h -> all.add(h::close));
        all.add(pollSet);
        all.add(mux);
        for (Closeable c : all) {
            try {
                c.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    record Pair(ListenerHandle listener, SocketHandle client, SocketHandle server) {
    }

    record Event(Object attachment, int events) {
        @Override
        public String toString() {
            return attachment + ":" + Events.toString(events);
        }
    }

    /** Records every event; safe to read from any thread. */
    static final class Recorder implements PollSet.EventSink {
        final Queue<Event> events = new ConcurrentLinkedQueue<>();

        @Override
        public void event(Object attachment, int bits) {
            events.add(new Event(attachment, bits));
        }

        boolean has(Object attachment, int bits) {
            return events.stream().anyMatch(e -> e.attachment().equals(attachment) && (e.events() & bits) == bits);
        }

        long count(Object attachment) {
            return events.stream().filter(e -> e.attachment().equals(attachment)).count();
        }

        void clear() {
            events.clear();
        }

        @Override
        public String toString() {
            return Arrays.toString(events.toArray());
        }
    }

    /**
     * A platform thread polling without a timeout, as a real poller does, until stopped; a
     * bounded number of polls so that a bug cannot make it spin for ever.
     */
    static final class Poller implements AutoCloseable {
        private static final int MAX_POLLS = 1_000_000;
        final Recorder recorder = new Recorder();
        final AtomicLong pollsStarted = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final PollSet pollSet;
        private final Thread thread;
        private volatile boolean stop;

        Poller(PollSet pollSet, long timeoutMillis, int maxPolls) {
            this.pollSet = pollSet;
            this.thread = Thread.ofPlatform().name("test-poller").daemon().start(() -> {
                try {
                    for (int i = 0; i < Math.min(maxPolls, MAX_POLLS) && !stop; i++) {
                        pollsStarted.incrementAndGet();
                        pollSet.poll(timeoutMillis, recorder);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
        }

        Poller(PollSet pollSet) {
            this(pollSet, -1, MAX_POLLS);
        }

        /** True while the thread sits in the native wait of a selection. */
        boolean blockedInSelect() {
            StackTraceElement[] stack = thread.getStackTrace();
            return stack.length > 0 && stack[0].isNativeMethod()
                    && Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("doSelect"));
        }

        void awaitBlockedInSelect() {
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(this::blockedInSelect);
        }

        boolean isAlive() {
            return thread.isAlive();
        }

        Thread thread() {
            return thread;
        }

        @Override
        public void close() throws IOException {
            stop = true;
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> {
                pollSet.wakeup();
                return !thread.isAlive();
            });
            Throwable t = failure.get();
            if (t instanceof IOException e) {
                throw e;
            } else if (t != null) {
                throw new AssertionError(t);
            }
        }
    }
}
