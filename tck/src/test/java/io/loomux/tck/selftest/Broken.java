package io.loomux.tck.selftest;

import static org.awaitility.Awaitility.await;

import io.loomux.selector.SelectorMultiplexerProvider;
import io.loomux.spi.Availability;
import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import io.loomux.tck.MultiplexerVerification;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;
import org.testng.SkipException;

/**
 * Deliberately broken providers, each a correct one (the Selector backend) with one fault, and
 * the kit's verification class for each. {@link KitSelfTest} runs them and checks that the
 * matching rules fail. Nested classes, so that Surefire never runs them directly.
 */
public final class Broken {

    /** How long the kit waits when it runs against a broken provider: failures are expected. */
    static final Duration SHORT_PATIENCE = Duration.ofSeconds(1);

    private Broken() {
    }

    /** {@code wakeup()} does nothing. */
    static final class LostWakeup extends Delegating {
        LostWakeup() {
            super(new SelectorMultiplexerProvider());
        }

        @Override
        protected PollSet wrapPollSet(PollSet ps) {
            return new DelegatingPollSet(ps) {
                @Override
                public void wakeup() {
                    // the fault: the wake-up is lost
                }
            };
        }
    }

    /**
     * Holds each poll's events back and reports them with the next poll's, after that poll's own
     * wait: one event alone is reported only when something else happens or the poll times out.
     */
    static final class Late extends Delegating {
        Late() {
            super(new SelectorMultiplexerProvider());
        }

        @Override
        protected PollSet wrapPollSet(PollSet ps) {
            return new DelegatingPollSet(ps) {
                private List<Object[]> held = new ArrayList<>();

                @Override
                public int poll(long timeoutMillis, EventSink sink) throws IOException {
                    List<Object[]> now = new ArrayList<>();
                    d.poll(timeoutMillis, (a, e) -> now.add(new Object[] {a, e}));
                    List<Object[]> out = held;
                    held = now;
                    for (Object[] ev : out) {
                        sink.event(ev[0], (Integer) ev[1]);
                    }
                    return out.size();
                }
            };
        }
    }

    /** Read, accept and write wait (up to {@link #BLOCK}) instead of saying "would block". */
    static final class Blocking extends Delegating {
        static final Duration BLOCK = SHORT_PATIENCE.multipliedBy(3);

        Blocking() {
            super(new SelectorMultiplexerProvider());
        }

        interface IoCall<T> {
            T call() throws IOException;
        }

        /** The fault: retries the call until it does something, as a blocking socket would wait. */
        static <T> T block(IoCall<T> call, T wouldBlock) throws IOException {
            AtomicReference<T> got = new AtomicReference<>(wouldBlock);
            try {
                await().atMost(BLOCK).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).pollInSameThread()
                        .until(() -> {
                            T r = call.call();
                            got.set(r);
                            return r == null ? wouldBlock != null : !r.equals(wouldBlock);
                        });
            } catch (ConditionTimeoutException e) {
                return wouldBlock;
            }
            return got.get();
        }

        @Override
        protected SocketHandle wrapSocket(SocketHandle h) {
            return new Sock(h) {
                @Override
                public int read(ByteBuffer dst) throws IOException {
                    return block(() -> d.read(dst), 0);
                }

                @Override
                public int write(ByteBuffer src) throws IOException {
                    return block(() -> d.write(src), 0);
                }

                @Override
                public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
                    return block(() -> d.write(srcs, offset, length), 0L);
                }
            };
        }

        @Override
        protected ListenerHandle wrapListener(ListenerHandle h) {
            return new DelegatingListener(h) {
                @Override
                public SocketHandle accept() throws IOException {
                    SocketHandle s = block(d::accept, null);
                    return s == null ? null : wrapSocket(s);
                }
            };
        }
    }

    /** {@code cancel()} does nothing: events go on after it. */
    static final class EventsAfterCancel extends Delegating {
        EventsAfterCancel() {
            super(new SelectorMultiplexerProvider());
        }

        @Override
        protected Registration wrapRegistration(Registration r) {
            return new Registration() {
                @Override
                public void arm(int interest) {
                    r.arm(interest);
                }

                @Override
                public void cancel() {
                    // the fault: still registered
                }
            };
        }
    }

    /** Reads and writes at most 4 KiB per call, as a backend with a small bounce buffer might. */
    static final class Chunking extends Delegating {
        static final int CHUNK = 4096;

        Chunking() {
            super(new SelectorMultiplexerProvider());
        }

        @Override
        protected SocketHandle wrapSocket(SocketHandle h) {
            return new Sock(h) {
                @Override
                public int read(ByteBuffer dst) throws IOException {
                    if (dst.remaining() <= CHUNK) {
                        return d.read(dst);
                    }
                    ByteBuffer part = dst.slice(dst.position(), CHUNK);
                    int n = d.read(part);
                    if (n > 0) {
                        dst.position(dst.position() + n);
                    }
                    return n;
                }

                @Override
                public int write(ByteBuffer src) throws IOException {
                    if (src.remaining() <= CHUNK) {
                        return d.write(src);
                    }
                    ByteBuffer part = src.slice(src.position(), CHUNK);
                    int n = d.write(part);
                    src.position(src.position() + n);
                    return n;
                }

                @Override
                public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
                    return d.write(srcs, offset, Math.min(length, 2));
                }
            };
        }
    }

    /**
     * Plain writes are right, but a gathering write makes one call of at most {@code IOV_MAX}
     * (1,024) buffers and returns, with room left in the send buffer: the cap the JDK's own
     * gathering write has, which a backend on it must go past.
     */
    static final class GatherCapped extends Delegating {
        GatherCapped() {
            super(new SelectorMultiplexerProvider());
        }

        @Override
        protected SocketHandle wrapSocket(SocketHandle h) {
            return new Sock(h) {
                @Override
                public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
                    return d.write(srcs, offset, Math.min(length, 1024));
                }
            };
        }
    }

    /**
     * Acts by descriptor number, as {@code epoll_ctl} does, and never asks whether the handle
     * behind a registration is still open: each socket gets the lowest free number, closing one
     * frees it, and arm and cancel act on whichever socket holds the registration's number now.
     * The fault: arm and cancel after close reach a socket that reused the number.
     */
    static final class ActsOnReusedNumbers extends Delegating {
        private final ReentrantLock lock = new ReentrantLock();
        private final BitSet inUse = new BitSet();
        /** The number of each open handle. */
        private final Map<Handle, Integer> numbers = new ConcurrentHashMap<>();
        /** The registration of the socket holding each number now. */
        private final Map<Integer, Registration> byNumber = new ConcurrentHashMap<>();

        ActsOnReusedNumbers() {
            super(new SelectorMultiplexerProvider());
        }

        private int allocate() {
            lock.lock();
            try {
                int n = inUse.nextClearBit(0);
                inUse.set(n);
                return n;
            } finally {
                lock.unlock();
            }
        }

        private void free(int n) {
            lock.lock();
            try {
                inUse.clear(n);
            } finally {
                lock.unlock();
            }
        }

        /** Closes a handle and frees its number. */
        private void closeAndFree(java.io.Closeable close, Handle handle) throws IOException {
            try {
                close.close();
            } finally {
                Integer n = numbers.remove(handle);
                if (n != null) {
                    free(n);
                }
            }
        }

        private <H extends Handle> H numbered(H handle) {
            numbers.put(handle, allocate());
            return handle;
        }

        @Override
        protected SocketHandle wrapSocket(SocketHandle h) {
            return numbered(new Sock(h) {
                @Override
                public void close() throws IOException {
                    closeAndFree(super::close, this);
                }
            });
        }

        @Override
        protected ListenerHandle wrapListener(ListenerHandle h) {
            return numbered(new DelegatingListener(h) {
                @Override
                public void close() throws IOException {
                    closeAndFree(super::close, this);
                }
            });
        }

        @Override
        protected PollSet wrapPollSet(PollSet ps) {
            return new DelegatingPollSet(ps) {
                @Override
                public Registration register(Handle handle, Object attachment) throws IOException {
                    Registration real = d.register(unwrap(handle), attachment);
                    int number = numbers.get(handle);
                    byNumber.put(number, real);
                    return new Registration() {
                        @Override
                        public void arm(int interest) {
                            Registration now = byNumber.get(number);
                            if (now != null) {
                                now.arm(interest);
                            }
                        }

                        @Override
                        public void cancel() {
                            Registration now = byNumber.remove(number);
                            if (now != null) {
                                now.cancel();
                            }
                        }
                    };
                }
            };
        }
    }

    /**
     * Reports itself unavailable, as a wrapping plugin does when {@code ServiceLoader} does not
     * find the backend it wraps (on the module path, for want of a {@code uses} clause).
     */
    static final class Unavailable extends Delegating {
        static final String REASON = "it wraps the 'selector' backend, which ServiceLoader did not find";

        Unavailable() {
            super(new SelectorMultiplexerProvider());
        }

        @Override
        public Availability availability() {
            return Availability.unavailable(REASON);
        }

        @Override
        public Multiplexer open() {
            throw new IllegalStateException(REASON);
        }
    }

    // ---- the kit, once per provider ----------------------------------------------------------

    /** The kit against a correct provider: everything passes. */
    public static class CorrectVerification extends MultiplexerVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new Delegating(new SelectorMultiplexerProvider());
        }
    }

    /** Base of the broken runs: a short patience, since failures are expected. */
    public abstract static class BrokenVerification extends MultiplexerVerification {
        @Override
        protected Duration patience() {
            return SHORT_PATIENCE;
        }

        @Override
        protected int manyRegistrations() {
            return 100;
        }
    }

    /** The kit against {@link LostWakeup}. */
    public static class LostWakeupVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new LostWakeup();
        }
    }

    /** The kit against {@link Late}. */
    public static class LateVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new Late();
        }
    }

    /** The kit against {@link Blocking}. */
    public static class BlockingVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new Blocking();
        }
    }

    /** The kit against {@link EventsAfterCancel}. */
    public static class EventsAfterCancelVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new EventsAfterCancel();
        }
    }

    /** The kit against {@link ActsOnReusedNumbers}. */
    public static class ActsOnReusedNumbersVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new ActsOnReusedNumbers();
        }
    }

    /** The kit against {@link Chunking}. */
    public static class ChunkingVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new Chunking();
        }
    }

    /** The kit against {@link GatherCapped}. */
    public static class GatherCappedVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new GatherCapped();
        }
    }

    /** The kit against {@link Unavailable}, which it cannot test: it must fail, saying why. */
    public static class UnavailableVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new Unavailable();
        }
    }

    /** The kit against {@link Unavailable}, declared unavailable here by design. */
    public static class UnavailableByDesignVerification extends BrokenVerification {
        @Override
        protected MultiplexerProvider createProvider() {
            return new Unavailable();
        }

        @Override
        protected boolean unavailableIsExpected() {
            return true;
        }
    }

    /** A subclass that skips every rule for a reason of its own, which the kit does not accept. */
    public static class SelfSkippingVerification extends BrokenVerification {
        static final String REASON = "the test machine looks busy";

        @Override
        protected MultiplexerProvider createProvider() {
            throw new SkipException(REASON);
        }
    }
}
