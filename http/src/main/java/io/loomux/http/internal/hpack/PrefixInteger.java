package io.loomux.http.internal.hpack;

import java.nio.ByteBuffer;

/**
 * HPACK's integers (RFC 7541 section 5.1): a value in the low bits of a first byte whose high
 * bits carry flags, continued in 7-bit groups, least significant first, when it does not fit.
 *
 * <p>Reading accepts values up to 2^31 - 1 in at most five continuation bytes: every count,
 * length and index the decoder needs fits in an int, and a bound on the bytes keeps a run of
 * {@code 0x80} bytes from being read as a (zero-padded) integer without end.
 */
final class PrefixInteger {

    /** Continuation bytes that can carry 31 bits (5 × 7 = 35 ≥ 31). */
    private static final int MAX_CONTINUATION = 5;

    private PrefixInteger() {
    }

    /**
     * @param out        where the bytes go
     * @param flags      the bits above the prefix in the first byte
     * @param prefixBits the bits of the first byte the value starts in, 1 to 8
     * @param value      at least 0
     */
    static void write(HpackOutput out, int flags, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.writeByte(flags | value);
            return;
        }
        out.writeByte(flags | max);
        int rest = value - max;
        while (rest >= 0x80) {
            out.writeByte(0x80 | (rest & 0x7f));
            rest >>>= 7;
        }
        out.writeByte(rest);
    }

    /**
     * @param first      the first byte, already read, as 0 to 255
     * @param prefixBits the bits of the first byte the value starts in, 1 to 8
     * @param in         the continuation bytes, if any, from its position
     * @return the value, 0 to 2^31 - 1
     * @throws HpackException if the bytes end inside the integer, or it is larger than 2^31 - 1
     *                        or longer than five continuation bytes
     */
    static int read(int first, int prefixBits, ByteBuffer in) throws HpackException {
        int max = (1 << prefixBits) - 1;
        int prefix = first & max;
        if (prefix < max) {
            return prefix;
        }
        long value = prefix;
        for (int i = 0; i < MAX_CONTINUATION; i++) {
            if (!in.hasRemaining()) {
                throw new HpackException("block ends inside an integer");
            }
            int b = in.get() & 0xff;
            value += (long) (b & 0x7f) << (7 * i);
            if (value > Integer.MAX_VALUE) {
                throw new HpackException("integer larger than 2^31 - 1");
            }
            if ((b & 0x80) == 0) {
                return (int) value;
            }
        }
        throw new HpackException("integer longer than " + MAX_CONTINUATION + " continuation bytes");
    }
}
