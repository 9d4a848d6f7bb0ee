package io.loomux.tck.faults;

import java.util.EnumMap;
import java.util.Map;

/**
 * What a {@link FaultInjectingProvider} injected up to one moment: how many faults of each kind,
 * how many connections it faulted for good (reset or broken pipe), and the seed, so that a
 * failure can print everything needed to look again. Immutable.
 */
public final class FaultCounts {

    private final long seed;
    private final long[] counts;
    private final long faultedConnections;

    FaultCounts(long seed, long[] counts, long faultedConnections) {
        this.seed = seed;
        this.counts = counts.clone();
        this.faultedConnections = faultedConnections;
    }

    /** @return the seed of the injector */
    public long seed() {
        return seed;
    }

    /**
     * @param fault a kind
     * @return how many faults of that kind were injected
     */
    public long count(Fault fault) {
        return counts[fault.ordinal()];
    }

    /** @return the faults injected, all kinds */
    public long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    /** @return the connections a {@link Fault#RESET} or {@link Fault#BROKEN_PIPE} ended */
    public long faultedConnections() {
        return faultedConnections;
    }

    /** @return the count of every kind, in the order of {@link Fault} */
    public Map<Fault, Long> byKind() {
        Map<Fault, Long> m = new EnumMap<>(Fault.class);
        for (Fault f : Fault.values()) {
            m.put(f, counts[f.ordinal()]);
        }
        return m;
    }

    /**
     * @return for example {@code "812 faults injected (seed 0x2a): short read 300, would block 120,
     *     reset 2, ...; 2 connections faulted"}, kinds with a count of 0 left out
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(total()).append(" faults injected (seed 0x")
                .append(Long.toHexString(seed)).append(')');
        String sep = ": ";
        for (Fault f : Fault.values()) {
            if (count(f) > 0) {
                sb.append(sep).append(f.label()).append(' ').append(count(f));
                sep = ", ";
            }
        }
        return sb.append("; ").append(faultedConnections).append(" connections faulted").toString();
    }
}
