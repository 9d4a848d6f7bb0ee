package io.loomux.tck.faults;

import java.util.SplittableRandom;

/**
 * The seeded random numbers of one stream of decisions (one direction of one socket, one
 * listener, one poll set): derived from the injector's seed and the object's id, so that the
 * same seed and the same calls give the same faults however the streams interleave. Used by
 * one thread at a time, as the call it decides for.
 */
final class Dice {

    /** The direction or object a stream decides for, mixed into its seed. */
    static final int READS = 1;
    static final int WRITES = 2;
    static final int ACCEPTS = 3;
    static final int POLLS = 4;

    private final SplittableRandom random;

    Dice(long seed, long id, int stream) {
        this.random = new SplittableRandom(mix(mix(seed + stream * 0x9E3779B97F4A7C15L) ^ id));
    }

    /**
     * @param perMille a rate
     * @return true with that probability; draws nothing when the rate is 0, so a plan without a
     *     kind leaves the other kinds' decisions as they were
     */
    boolean roll(int perMille) {
        return perMille > 0 && random.nextInt(1000) < perMille;
    }

    /** @return a number from {@code from} to {@code to}, both included */
    int between(int from, int to) {
        return from >= to ? from : random.nextInt(from, to + 1);
    }

    /** The finaliser of SplitMix64: spreads nearby seeds and ids over the whole range. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
