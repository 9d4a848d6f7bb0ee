package io.loomux.tck.faults;

import io.loomux.spi.ListenerHandle;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.SocketHandle;
import io.loomux.tck.DelegatingProvider;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A provider that wraps any other and, as its {@link FaultPlan} says, injects the faults a
 * backend may show on a bad day ({@link Fault}): short reads and writes, "would block" storms,
 * spurious, late and duplicated reports, resets and broken pipes, EMFILE and ENFILE on accept,
 * and poll failures. Every fault stays inside the contract of {@code io.loomux.spi} (each kind
 * says how), so a blocking layer or a program on it must lose no byte, no wake-up and no queued
 * connection because of it; only connections the injector faulted may fail, with a
 * {@link java.net.SocketException}.
 *
 * <p>Reproducible: every socket, listener and poll set draws its decisions from a random stream
 * derived from the seed and the order in which it was made, so the same seed and the same calls
 * give the same faults. Put {@link #seed()} (or {@link #counts()}, which names it) in every
 * failure message.
 *
 * <pre>{@code
 * FaultInjectingProvider faults = new FaultInjectingProvider(new MyProvider(), seed, FaultPlan.defaults());
 * try (Loomux loomux = Loomux.builder().provider(faults).build()) {
 *     ... run traffic, check every byte ...
 * }
 * System.out.println(faults.counts());   // 812 faults injected (seed 0x2a): short read 300, ...
 * }</pre>
 *
 * <p>With {@link FaultPlan#none()} it behaves exactly as the provider it wraps. Thread-safe, as a
 * provider is; one instance may be opened several times, and counts across all of them.
 */
public final class FaultInjectingProvider extends DelegatingProvider {

    private final long seed;
    private final FaultPlan plan;
    private final AtomicLong ids = new AtomicLong();
    private final LongAdder[] counts = new LongAdder[Fault.values().length];
    private final LongAdder faultedConnections = new LongAdder();
    /**
     * Both ends of each faulted connection, as unordered pairs, with when the fault was made
     * ({@link #clock}); forgotten after {@link #FAULT_MEMORY}, oldest first, so that a soak of
     * millions of connections does not keep one entry for each fault it ever made.
     */
    private final Map<Set<InetSocketAddress>, Long> faulted = new ConcurrentHashMap<>();
    /** The same entries in the order they were made: what {@link #forgetOld} walks. */
    private final Queue<Remembered> madeInOrder = new ConcurrentLinkedQueue<>();
    private final LongSupplier clock;

    /**
     * How long {@link #faulted} remembers a faulted connection: ask within this time of the
     * failure the connection showed. A loopback address pair may come back for a new connection
     * later; it is not taken for the old one once forgotten.
     */
    public static final Duration FAULT_MEMORY = Duration.ofMinutes(2);

    private record Remembered(Set<InetSocketAddress> pair, long at) {
    }

    /**
     * @param delegate the provider to inject faults into
     * @param seed     where every decision comes from
     * @param plan     which faults, how often
     */
    public FaultInjectingProvider(MultiplexerProvider delegate, long seed, FaultPlan plan) {
        this(delegate, seed, plan, System::nanoTime);
    }

    /** As the public constructor, with the clock {@link #FAULT_MEMORY} is measured on (for tests). */
    FaultInjectingProvider(MultiplexerProvider delegate, long seed, FaultPlan plan, LongSupplier clock) {
        super(delegate);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seed = seed;
        this.plan = Objects.requireNonNull(plan, "plan");
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** @return {@code "faults-"} and the wrapped provider's name */
    @Override
    public String name() {
        return "faults-" + delegate.name();
    }

    /** @return the seed every decision comes from */
    public long seed() {
        return seed;
    }

    /** @return the plan */
    public FaultPlan plan() {
        return plan;
    }

    /** @return what was injected so far, by kind, with the seed */
    public FaultCounts counts() {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sum();
        }
        return new FaultCounts(seed, c, faultedConnections.sum());
    }

    /**
     * Tells whether the injector ended a connection (a {@link Fault#RESET} or
     * {@link Fault#BROKEN_PIPE} at either end, when both ends were opened through it; at its own
     * end otherwise), so that a check can excuse that connection and no other.
     *
     * @param one   one end's address
     * @param other the other end's address
     * @return true if the connection between them was faulted within {@link #FAULT_MEMORY}
     */
    public boolean faulted(InetSocketAddress one, InetSocketAddress other) {
        forgetOld(clock.getAsLong());
        return one != null && other != null && !one.equals(other) && faulted.containsKey(Set.of(one, other));
    }

    @Override
    public String toString() {
        return "FaultInjectingProvider[" + delegate.name() + ", seed 0x" + Long.toHexString(seed) + ", " + plan + "]";
    }

    @Override
    protected PollSet wrapPollSet(PollSet ps) {
        return new InjectedPollSet(this, ps, ids.incrementAndGet());
    }

    @Override
    protected SocketHandle wrapSocket(SocketHandle h) {
        return new InjectedSocket(this, h, ids.incrementAndGet());
    }

    @Override
    protected ListenerHandle wrapListener(ListenerHandle h) {
        return new InjectedListener(this, h, ids.incrementAndGet());
    }

    void count(Fault f) {
        counts[f.ordinal()].increment();
    }

    /** A socket was faulted for good; its addresses, if still readable, name the connection. */
    void faultedConnection(InetSocketAddress local, InetSocketAddress remote) {
        faultedConnections.increment();
        if (local != null && remote != null && !local.equals(remote)) {
            long now = clock.getAsLong();
            Set<InetSocketAddress> pair = Set.copyOf(List.of(local, remote));
            faulted.put(pair, now);
            madeInOrder.add(new Remembered(pair, now));
            forgetOld(now);
        }
    }

    /** Forgets the faults made longer than {@link #FAULT_MEMORY} before {@code now}. */
    private void forgetOld(long now) {
        long memory = FAULT_MEMORY.toNanos();
        // Bounded: each pass takes one entry off the queue, or ends.
        for (Remembered r; (r = madeInOrder.peek()) != null && now - r.at() > memory; ) {
            if (madeInOrder.remove(r)) {
                // Only this entry's own time: the same pair faulted again later stays remembered.
                faulted.remove(r.pair(), r.at());
            }
        }
    }
}
