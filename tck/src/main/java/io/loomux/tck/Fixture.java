package io.loomux.tck;

import static org.awaitility.Awaitility.await;

import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;

/**
 * One rule's world: an open multiplexer of the provider under test, one poll set, a
 * {@link Recorder}, and everything the rule opened, closed in reverse order afterwards. The peer
 * of a backend socket is a plain JDK {@link SocketChannel}, so each rule tests the backend and
 * nothing else.
 */
final class Fixture implements AutoCloseable {

    /** A backend socket accepted from a backend listener, and its JDK peer. */
    record Pair(ListenerHandle listener, SocketHandle handle, SocketChannel peer) {
    }

    final MultiplexerProvider provider;
    final Multiplexer mux;
    final PollSet pollSet;
    final Recorder recorder = new Recorder();
    final Duration patience;
    final Triggering triggering;
    private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
    /** Set when a poll may still be running on a thread we gave up on: never close under it. */
    private volatile boolean pollSetAbandoned;

    Fixture(MultiplexerProvider provider, Duration patience) throws IOException {
        this.provider = provider;
        this.patience = patience;
        this.triggering = provider.triggering();
        this.mux = provider.open();
        PollSet ps;
        try {
            ps = mux.openPollSet();
        } catch (IOException | RuntimeException e) {
            mux.close();
            throw e;
        }
        this.pollSet = ps;
    }

    boolean edge() {
        return triggering == Triggering.EDGE;
    }

    /** @return 127.0.0.1, port 0 */
    static InetSocketAddress loopback4() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    <T extends AutoCloseable> T track(T c) {
        if (c != null) {
            toClose.push(c);
        }
        return c;
    }

    /** The rule closes {@code c} itself (a handle is closed once). */
    void untrack(AutoCloseable c) {
        toClose.remove(c);
    }

    /** Leaves the poll set open: a poll on a thread the rule gave up on may still be inside it. */
    void abandonPollSet() {
        pollSetAbandoned = true;
    }

    // ---- polling ---------------------------------------------------------------------------

    /**
     * One poll on the calling thread, with the sink contract checked.
     *
     * @param timeoutMillis as {@link PollSet#poll}
     * @return what it returned
     */
    int poll(long timeoutMillis) throws IOException {
        recorder.begin();
        int n;
        try {
            n = pollSet.poll(timeoutMillis, recorder);
        } catch (IOException | RuntimeException e) {
            recorder.endExceptionally();
            throw e;
        }
        recorder.end(n);
        return n;
    }

    /**
     * Polls with long timeouts until {@code attachment} has been reported with any of
     * {@code anyOf} (since the last {@link Recorder#clear()}), and fails if that takes longer than the patience: a report that only comes
     * when the poll times out, or with a later poll's events, is late.
     *
     * @return all bits reported for it so far
     */
    int awaitEvent(Object attachment, int anyOf, String why) throws IOException {
        int already = recorder.bits(attachment);
        if ((already & anyOf) != 0) {
            return already; // reported together with what an earlier wait was for
        }
        long deadline = System.nanoTime() + patience.toNanos();
        // Bounded by the deadline, and by the count for a poll that keeps returning at once.
        for (int i = 0; i < 1_000_000; i++) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                break;
            }
            poll(Math.max(1, left));
            int b = recorder.bits(attachment);
            if ((b & anyOf) != 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(why + ": " + Events.toString(anyOf) + " for " + attachment
                            + " was reported only after " + patience.toMillis() + " ms of polling, when the poll timed out"
                            + " or with a later poll: readiness reported late. Reports: " + recorder);
                }
                return b;
            }
        }
        throw new AssertionError(why + ": no " + Events.toString(anyOf) + " reported for " + attachment
                + " within " + patience.toMillis() + " ms of polling. Reports: " + recorder);
    }

    /**
     * Polls a few times and checks that {@code attachment} got none of {@code bits}.
     */
    void assertQuiet(Object attachment, int bits, String why) throws IOException {
        poll(0);
        poll(50);
        poll(0);
        int b = recorder.bits(attachment) & bits;
        if (b != 0) {
            throw new AssertionError(why + ": " + attachment + " was reported with " + Events.toString(b)
                    + ". Reports: " + recorder);
        }
    }

    // ---- bounded calls -----------------------------------------------------------------------

    /**
     * Runs a call that must not block on a fresh platform thread and waits for it at most the
     * patience. A call still running then is left behind (it belongs to a broken backend).
     *
     * @param what what the call is, for the failure message
     */
    <T> T bounded(String what, Callable<T> call) throws IOException {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).name("loomux-tck-bounded").start(() -> {
            try {
                f.complete(call.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(what + " did not return within " + patience.toMillis()
                    + " ms: a non-blocking call blocked (\"would block\" must be a return value: 0 or null)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new AssertionError(c);
        }
    }

    // ---- sockets -----------------------------------------------------------------------------

    ListenerHandle listen() throws IOException {
        return track(mux.listen(loopback4(), 0, Map.of()));
    }

    /**
     * Waits, without the poll set, until the listener has a connection for us.
     */
    SocketHandle awaitAccept(ListenerHandle listener) throws IOException {
        AtomicReference<SocketHandle> got = new AtomicReference<>();
        try {
            await("accept of a pending connection").atMost(patience).pollInterval(Duration.ofMillis(2))
                    .pollInSameThread().ignoreNoExceptions()
                    .until(() -> {
                        SocketHandle s = bounded("ListenerHandle.accept()", listener::accept);
                        got.set(s);
                        return s != null;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("ListenerHandle.accept() found no connection within " + patience.toMillis()
                    + " ms although a JDK client connected", e);
        }
        return track(got.get());
    }

    /** @return a backend socket accepted on a backend listener, with a JDK peer */
    Pair pair() throws IOException {
        return pair(Map.of());
    }

    /**
     * @param peerOptions options for the JDK peer, set before it connects
     */
    Pair pair(Map<java.net.SocketOption<?>, Object> peerOptions) throws IOException {
        ListenerHandle l = listen();
        SocketChannel peer = track(SocketChannel.open());
        for (Map.Entry<java.net.SocketOption<?>, Object> e : peerOptions.entrySet()) {
            setOption(peer, e.getKey(), e.getValue());
        }
        peer.connect(l.localAddress());
        SocketHandle h = awaitAccept(l);
        return new Pair(l, h, peer);
    }

    @SuppressWarnings("unchecked")
    private static <T> void setOption(SocketChannel ch, java.net.SocketOption<T> o, Object v) throws IOException {
        ch.setOption(o, (T) v);
    }

    /** Writes all of {@code bytes} from the JDK peer (blocking). */
    static void peerWrite(SocketChannel peer, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int i = 0; i < 1_000_000 && b.hasRemaining(); i++) {
            peer.write(b);
        }
    }

    /**
     * Registers and, on a one-shot backend, arms.
     */
    Registration registerArmed(Handle h, Object attachment, int interest) throws IOException {
        Registration r = pollSet.register(h, attachment);
        if (!edge()) {
            r.arm(interest);
        }
        return r;
    }

    /**
     * Reads from a backend socket until {@code count} bytes came, polling for readiness in
     * between; every read is bounded.
     */
    byte[] readExactly(SocketHandle h, Registration reg, Object attachment, int count) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(count);
        long deadline = System.nanoTime() + patience.toNanos();
        for (int i = 0; i < 100_000 && dst.hasRemaining(); i++) {
            int n = bounded("SocketHandle.read", () -> h.read(dst));
            if (n < 0) {
                throw new AssertionError("end of stream after " + dst.position() + " of " + count + " bytes");
            }
            if (n == 0) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("only " + dst.position() + " of " + count + " bytes arrived within the patience");
                }
                recorder.clear();
                if (!edge()) {
                    reg.arm(Events.READABLE);
                }
                awaitEvent(attachment, Events.READABLE | Events.HANGUP | Events.ERROR, "waiting for more data");
            }
        }
        return dst.array();
    }

    // ---- a poller on its own thread ------------------------------------------------------------

    /**
     * Polls on a platform thread, as the blocking layer does, with timeouts three times the
     * patience, until closed.
     */
    final class BackgroundPoller implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stop;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        BackgroundPoller() {
            long timeout = 3 * patience.toMillis();
            long end = System.nanoTime() + 20 * patience.toNanos();
            thread = Thread.ofPlatform().daemon(true).name("loomux-tck-poller").start(() -> {
                // Ends on stop, on failure, or after 20 patiences, whichever comes first.
                for (int i = 0; i < 10_000_000 && !stop && System.nanoTime() - end < 0; i++) {
                    try {
                        poll(timeout);
                    } catch (Throwable t) {
                        failure.set(t);
                        return;
                    }
                }
            });
        }

        /** Waits (a little) until the thread is probably blocked inside poll; never fails. */
        void awaitProbablyBlocked() {
            awaitBlocked(thread, patience);
        }

        /** @return the failure of a poll, if any */
        Throwable failure() {
            return failure.get();
        }

        Thread thread() {
            return thread;
        }

        @Override
        public void close() {
            stop = true;
            try {
                await("the background poller to stop").atMost(patience.multipliedBy(4)).pollInterval(Duration.ofMillis(5))
                        .until(() -> {
                            pollSet.wakeup();
                            return !thread.isAlive();
                        });
            } catch (ConditionTimeoutException e) {
                abandonPollSet();
            }
        }
    }

    /**
     * Waits at most a second or the patience until {@code t} looks blocked: parked, waiting, or
     * in a native method. A heuristic that lets a rule wake a poll that is really blocked rather
     * than one about to start; either must work, so a miss costs nothing but precision.
     */
    static void awaitBlocked(Thread t, Duration patience) {
        Duration d = patience.compareTo(Duration.ofSeconds(1)) < 0 ? patience : Duration.ofSeconds(1);
        try {
            await().atMost(d).pollInterval(Duration.ofMillis(2)).until(() -> looksBlocked(t));
        } catch (ConditionTimeoutException ignored) {
            // Go on: the rule holds for a poll about to start as well.
        }
    }

    private static boolean looksBlocked(Thread t) {
        Thread.State s = t.getState();
        if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING || s == Thread.State.BLOCKED) {
            return true;
        }
        StackTraceElement[] st = t.getStackTrace();
        return st.length > 0 && st[0].isNativeMethod()
                && Arrays.stream(st).anyMatch(e -> e.getMethodName().equals("poll"));
    }

    // ---- closing -------------------------------------------------------------------------------

    @Override
    public void close() throws IOException {
        IOException first = null;
        // Each element once: the deque shrinks every pass.
        while (!toClose.isEmpty()) {
            try {
                toClose.pop().close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof IOException io ? io : new IOException(e);
                }
            }
        }
        if (!pollSetAbandoned) {
            try {
                pollSet.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
            try {
                mux.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        List<String> v = recorder.violations();
        if (!v.isEmpty()) {
            throw new AssertionError("the poll set broke the sink contract of PollSet.poll: " + v);
        }
        if (first != null) {
            throw first;
        }
    }
}
