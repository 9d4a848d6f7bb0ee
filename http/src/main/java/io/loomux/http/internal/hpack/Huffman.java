package io.loomux.http.internal.hpack;

import java.nio.ByteBuffer;

/**
 * The Huffman code of RFC 7541 Appendix B, for string literals.
 *
 * <p>The codes are derived at class initialisation from the lengths in {@link HuffmanLengths}
 * (the code is canonical). Decoding walks a table derived from them too: one state per inner node
 * of the code tree (256 of them) and, for each state, where each 4-bit nibble leads, which
 * symbol it completes on the way (at most one, the shortest code being 5 bits) and whether the
 * state it ends in may end a string. That is two table look-ups per input byte and no bit loop.
 *
 * <p>A string may end only on a node reached from the last whole symbol by at most 7 one bits
 * (the padding is the most significant bits of EOS). Decoding refuses EOS inside a string
 * (30 one bits), padding of 8 or more bits and padding with a zero bit.
 */
final class Huffman {

    /** Code of each symbol, in its low {@link #LENGTHS} bits. */
    static final int[] CODES = new int[HuffmanLengths.EOS + 1];
    /** Length of each symbol's code in bits. */
    static final int[] LENGTHS = HuffmanLengths.lengths();

    private static final int INNER_NODES = HuffmanLengths.EOS;
    /** Transition bits: the symbol in bits 8-15 is complete. */
    private static final int EMIT = 1 << 16;
    /** Transition bits: the nibble reaches EOS. */
    private static final int FAIL = 1 << 17;
    /** Transition bits: the string may end in the state reached. */
    private static final int ACCEPT = 1 << 18;
    /**
     * By state × 16 + nibble: the state reached in bits 0-7, a completed symbol in bits 8-15 with
     * {@link #EMIT}, {@link #FAIL} and {@link #ACCEPT}.
     */
    private static final int[] TRANSITIONS = new int[INNER_NODES * 16];
    /** By state: its depth below the last symbol boundary, negative when its path has a 0 bit. */
    private static final int[] PADDING = new int[INNER_NODES];

    static {
        deriveCodes();
        deriveTransitions(buildTree());
    }

    private Huffman() {
    }

    /** Canonical assignment: by length, then symbol, each code the previous one plus one. */
    private static void deriveCodes() {
        int code = 0;
        int previousLength = 0;
        for (int length = 1; length <= 30; length++) {
            for (int symbol = 0; symbol <= HuffmanLengths.EOS; symbol++) {
                if (LENGTHS[symbol] == length) {
                    code <<= length - previousLength;
                    previousLength = length;
                    CODES[symbol] = code++;
                }
            }
        }
    }

    /**
     * @return by inner node × 2 + bit, the child: an inner node's number (the root is 0, never a
     *         child), or -(symbol + 1) for a leaf
     */
    private static int[] buildTree() {
        int[] children = new int[INNER_NODES * 2];
        int nodes = 1;
        PADDING[0] = 0;
        for (int symbol = 0; symbol <= HuffmanLengths.EOS; symbol++) {
            int node = 0;
            for (int bit = LENGTHS[symbol] - 1; bit >= 0; bit--) {
                int slot = node * 2 + ((CODES[symbol] >>> bit) & 1);
                if (bit == 0) {
                    children[slot] = -(symbol + 1);
                } else {
                    if (children[slot] == 0) {
                        int depth = PADDING[node];
                        PADDING[nodes] = depth >= 0 && (slot & 1) == 1 ? depth + 1 : -1;
                        children[slot] = nodes++;
                    }
                    node = children[slot];
                }
            }
        }
        if (nodes != INNER_NODES) {
            throw new ExceptionInInitializerError("Huffman tree has " + nodes + " inner nodes");
        }
        return children;
    }

    private static void deriveTransitions(int[] children) {
        for (int state = 0; state < INNER_NODES; state++) {
            for (int nibble = 0; nibble < 16; nibble++) {
                int node = state;
                int entry = 0;
                for (int bit = 3; bit >= 0; bit--) {
                    int child = children[node * 2 + ((nibble >>> bit) & 1)];
                    if (child >= 0) {
                        node = child;
                    } else if (-child - 1 == HuffmanLengths.EOS) {
                        entry |= FAIL;
                        node = 0;
                        break;
                    } else {
                        entry |= EMIT | ((-child - 1) << 8);
                        node = 0;
                    }
                }
                int padding = PADDING[node];
                if (padding >= 0 && padding <= 7) {
                    entry |= ACCEPT;
                }
                TRANSITIONS[state * 16 + nibble] = entry | node;
            }
        }
    }

    /**
     * @param s chars U+0000 to U+00FF, one octet each
     * @return the bytes {@link #encode} writes for {@code s}
     * @throws IllegalArgumentException if a char is above U+00FF
     */
    static int encodedLength(CharSequence s) {
        long bits = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c > 0xff) {
                throw new IllegalArgumentException("char U+" + Integer.toHexString(c)
                        + " is not an octet (at " + i + ")");
            }
            bits += LENGTHS[c];
        }
        return (int) ((bits + 7) >>> 3);
    }

    /**
     * Writes the code of each char, then pads the last byte with one bits.
     *
     * @param s chars U+0000 to U+00FF, checked by {@link #encodedLength} before
     */
    static void encode(CharSequence s, HpackOutput out) {
        long bits = 0;
        int pending = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            // The bits already written are shifted out of the top; only the low pending+30 matter.
            bits = (bits << LENGTHS[c]) | CODES[c];
            pending += LENGTHS[c];
            while (pending >= 8) {
                pending -= 8;
                out.writeByte((int) (bits >>> pending));
            }
        }
        if (pending > 0) {
            out.writeByte((int) (bits << (8 - pending)) | (0xff >>> pending));
        }
    }

    /**
     * Decodes {@code length} bytes from {@code in}'s position and moves the position past them.
     * All of them are decoded and checked, but only the first {@code limit} octets are stored.
     *
     * @param in     the encoded string, at least {@code length} bytes from its position
     * @param length the encoded length
     * @param out    where the octets go, from index {@code offset}
     * @param offset the index in {@code out} of the first octet
     * @param limit  how many octets to store at most; {@code out} has room for them
     * @return the decoded length, which may be more than {@code limit}
     * @throws HpackException if the string holds EOS, or its padding is longer than 7 bits or not
     *                        all ones
     */
    static int decode(ByteBuffer in, int length, byte[] out, int offset, int limit)
            throws HpackException {
        int position = in.position();
        int end = position + length;
        int state = 0;
        int entry = ACCEPT;
        int count = 0;
        for (int i = position; i < end; i++) {
            int b = in.get(i);
            for (int shift = 4; shift >= 0; shift -= 4) {
                entry = TRANSITIONS[(state << 4) | ((b >>> shift) & 0xf)];
                if ((entry & (EMIT | FAIL)) != 0) {
                    if ((entry & FAIL) != 0) {
                        throw new HpackException("EOS inside a Huffman string");
                    }
                    if (count < limit) {
                        out[offset + count] = (byte) (entry >>> 8);
                    }
                    count++;
                }
                state = entry & 0xff;
            }
        }
        if ((entry & ACCEPT) == 0) {
            throw new HpackException(PADDING[state] < 0
                    ? "Huffman padding is not all ones" : "Huffman padding longer than 7 bits");
        }
        in.position(end);
        return count;
    }
}
