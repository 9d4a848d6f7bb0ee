package io.loomux.bench.soak;

import java.nio.ByteBuffer;

/**
 * The bytes a well-behaved connection sends: every 8-byte word names its connection and its
 * place in that connection's stream, with a check, so that the echo of each word can be judged
 * on its own. A word that is exactly the expected one is good; a word whose check holds but
 * names another connection <em>crossed</em> (bytes of one connection were delivered on
 * another); anything else is <em>lost</em> (a changed, missing, repeated or reordered byte).
 *
 * <p>A word is {@code connection (24 bits) | index (28 bits) | check (12 bits)}, XORed with a
 * mask from the seed so that runs with different seeds send different bytes. The check is a
 * hash of seed, connection and index: a corrupted word passes it by chance once in 4,096, and
 * only then could corruption be counted as crossing. 2<sup>28</sup> words are 2 GiB per
 * connection and 2<sup>24</sup> connections per run: far beyond what a soak makes.
 */
final class Pattern {

    /** Bytes per word: every message is a whole number of words. */
    static final int WORD = 8;
    static final long MAX_CONNECTIONS = 1L << 24;
    static final long MAX_INDEX = 1L << 28;
    private static final int CHECK_BITS = 12;

    /** How one received word compares with the one expected. */
    enum Verdict { GOOD, CROSSED, LOST }

    private final long seed;
    private final long mask;

    Pattern(long seed) {
        this.seed = seed;
        this.mask = mix(seed ^ 0x5DEECE66DL);
    }

    /** @return the word connection {@code conn} sends at word {@code index} of its stream */
    long word(long conn, long index) {
        if (conn < 0 || conn >= MAX_CONNECTIONS || index < 0 || index >= MAX_INDEX) {
            throw new IllegalArgumentException("word out of range: connection " + conn + ", index " + index);
        }
        return ((conn << 40) | (index << CHECK_BITS) | check(conn, index)) ^ mask;
    }

    /**
     * Writes the connection's words from {@code index} on into {@code out} until it is full.
     *
     * @throws IllegalArgumentException if {@code out} does not have room for whole words
     */
    void fill(ByteBuffer out, long conn, long index) {
        if (out.remaining() % WORD != 0) {
            throw new IllegalArgumentException("a message is whole words: " + out.remaining() + " bytes");
        }
        for (long i = index; out.hasRemaining(); i++) {
            out.putLong(word(conn, i));
        }
    }

    /**
     * Judges received words against those the connection sent from {@code index} on.
     *
     * @param in   the received bytes, whole words, read from its position to its limit
     * @return the verdict of the first word that is not good, or GOOD if all are
     */
    Verdict verify(ByteBuffer in, long conn, long index) {
        if (in.remaining() % WORD != 0) {
            return Verdict.LOST;
        }
        for (long i = index; in.hasRemaining(); i++) {
            long got = in.getLong();
            if (got != word(conn, i)) {
                return judge(got, conn);
            }
        }
        return Verdict.GOOD;
    }

    private Verdict judge(long got, long conn) {
        long w = got ^ mask;
        long c = w >>> 40;
        long i = (w >>> CHECK_BITS) & (MAX_INDEX - 1);
        long check = w & ((1L << CHECK_BITS) - 1);
        return c != conn && check == check(c, i) ? Verdict.CROSSED : Verdict.LOST;
    }

    private long check(long conn, long index) {
        return mix(seed ^ (conn * 0x9E3779B97F4A7C15L) ^ (index * 0xC2B2AE3D27D4EB4FL)) & ((1L << CHECK_BITS) - 1);
    }

    /** SplitMix64's finaliser: every input bit moves about half the output bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
