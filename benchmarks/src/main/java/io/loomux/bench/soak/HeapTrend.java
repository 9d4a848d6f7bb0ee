package io.loomux.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The heap in use after full collections, one sample per round, judged as a trend: the last
 * rounds against the first few, never one sample against another (a round that ended with the
 * collector in a different phase of its own would then look like growth).
 *
 * <p>The first few give the reference, their median; the later level is the <em>smallest</em>
 * of the last few, so that one high sample does not count while growth that persists does.
 * Growth beyond {@link #ALLOWED_BYTES} or {@link #ALLOWED_FRACTION} of the reference, whichever
 * is larger, fails the soak. With fewer than four samples there is no trend to judge, and the
 * report says so.
 */
final class HeapTrend {

    /** Growth always allowed: class loading, the JIT's and the JDK's lazily built caches. */
    static final long ALLOWED_BYTES = 8L << 20;
    /** Growth allowed relative to the reference. */
    static final double ALLOWED_FRACTION = 0.25;
    private static final int MIN_SAMPLES = 4;

    private final List<Long> samples = new ArrayList<>();

    void add(long bytes) {
        samples.add(bytes);
    }

    List<Long> samples() {
        return List.copyOf(samples);
    }

    /** @return how many samples each end of the comparison takes: 3 from 6 samples on, else 2 */
    private int window() {
        return samples.size() >= 6 ? 3 : 2;
    }

    /** @return whether there are enough samples to judge */
    boolean judgeable() {
        return samples.size() >= MIN_SAMPLES;
    }

    /** @return growth of the later level over the reference in bytes (negative if it shrank); 0 if not judgeable */
    long growth() {
        if (!judgeable()) {
            return 0;
        }
        int k = window();
        long later = samples.subList(samples.size() - k, samples.size()).stream().mapToLong(Long::longValue)
                .min().orElseThrow();
        return later - reference();
    }

    /** @return the median of the first samples */
    private long reference() {
        long[] first = samples.subList(0, window()).stream().mapToLong(Long::longValue).sorted().toArray();
        int n = first.length;
        return n % 2 == 1 ? first[n / 2] : (first[n / 2 - 1] + first[n / 2]) / 2;
    }

    /** @return the problem if the heap grew beyond the bound */
    Optional<String> problem() {
        if (!judgeable()) {
            return Optional.empty();
        }
        long allowed = Math.max(ALLOWED_BYTES, (long) (reference() * ALLOWED_FRACTION));
        long g = growth();
        if (g <= allowed) {
            return Optional.empty();
        }
        return Optional.of("heap after full GC grew " + mib(g) + " across rounds (allowed " + mib(allowed)
                + "; samples " + samples.stream().map(HeapTrend::mib).toList() + ")");
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    @Override
    public String toString() {
        return samples.stream().map(HeapTrend::mib).toList().toString();
    }
}
