package io.loomux.http.internal.hpack;

/**
 * Encodes the header blocks this side sends on one HTTP/2 connection (RFC 7541): responses and
 * trailers.
 *
 * <p>The strategy is simple and adds nothing to the dynamic table: a field that is a whole
 * static table entry is sent as its index (one byte for {@code :status 200}); otherwise its name
 * is sent as a static index when the table has it and as a literal when not, and its value as a
 * literal, each literal Huffman-coded when that is shorter. Fields are sent "without indexing",
 * so the peer's table stays empty and the blocks can be decoded in any state of it.
 *
 * <p>The table size still matters: when the peer's SETTINGS_HEADER_TABLE_SIZE lowers the size
 * the encoder may use, the next block must start with a dynamic table size update (RFC 7541
 * section 4.2), which {@link #startBlock} writes.
 *
 * <p>Each block is written by {@link #startBlock}, then {@link #field} or {@link #status} per
 * field, into an {@link HpackOutput} the caller resets between blocks. Blocks must be sent in the
 * order they are encoded. Not thread-safe.
 */
public final class HpackEncoder {

    /** The table size HTTP/2 starts with, and the most this encoder uses. */
    public static final int DEFAULT_TABLE_SIZE = 4096;

    private static final int STATUS_NAME_INDEX = 8;

    /** The maximum table size the peer's decoder now holds this side to. */
    private int tableSize = DEFAULT_TABLE_SIZE;
    /** The smallest size since the last block, to signal first; -1 when unchanged. */
    private int smallestPending = -1;
    /** Holds a status code's digits without a string per response. */
    private final StringBuilder digits = new StringBuilder(3);

    /** An encoder for a new connection, using the default table size. */
    public HpackEncoder() {
    }

    /**
     * Takes the peer's SETTINGS_HEADER_TABLE_SIZE. The encoder uses at most
     * {@link #DEFAULT_TABLE_SIZE}; a change of the size it uses is signalled at the start of the
     * next block (the smallest size since the last block, then the new one, when they differ).
     *
     * @param peerSetting the setting's value, an unsigned 32-bit integer (negative ints are read
     *                    as the large values they stand for)
     */
    public void setMaxTableSize(int peerSetting) {
        int size = (int) Math.min(Integer.toUnsignedLong(peerSetting), DEFAULT_TABLE_SIZE);
        if (size == tableSize) {
            return;
        }
        tableSize = size;
        smallestPending = smallestPending < 0 ? size : Math.min(smallestPending, size);
    }

    /**
     * Starts a header block: writes the dynamic table size updates a change of the peer's
     * setting calls for, if any. Call it first for every block.
     *
     * @param out the block's output, empty
     */
    public void startBlock(HpackOutput out) {
        if (smallestPending < 0) {
            return;
        }
        if (smallestPending < tableSize) {
            PrefixInteger.write(out, 0x20, 5, smallestPending);
        }
        PrefixInteger.write(out, 0x20, 5, tableSize);
        smallestPending = -1;
    }

    /**
     * Writes {@code :status}: one byte for 200, 204, 206, 304, 400, 404 and 500 (static entries
     * 8 to 14), else the static name and the three digits.
     *
     * @param out  the block's output
     * @param code 100 to 999
     */
    public void status(HpackOutput out, int code) {
        int index = switch (code) {
            case 200 -> 8;
            case 204 -> 9;
            case 206 -> 10;
            case 304 -> 11;
            case 400 -> 12;
            case 404 -> 13;
            case 500 -> 14;
            default -> 0;
        };
        if (index != 0) {
            PrefixInteger.write(out, 0x80, 7, index);
            return;
        }
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("status " + code);
        }
        digits.setLength(0);
        digits.append(code);
        PrefixInteger.write(out, 0x00, 4, STATUS_NAME_INDEX);
        string(out, digits);
    }

    /**
     * Writes one field without adding it to the dynamic table.
     *
     * @param out   the block's output
     * @param name  the name, lower case (not checked here), chars U+0000 to U+00FF
     * @param value the value, chars U+0000 to U+00FF
     * @throws IllegalArgumentException if a char of the name or value is above U+00FF
     */
    public void field(HpackOutput out, String name, String value) {
        int pair = StaticTable.indexOf(name, value);
        if (pair != 0) {
            PrefixInteger.write(out, 0x80, 7, pair);
            return;
        }
        int nameIndex = StaticTable.indexOf(name);
        PrefixInteger.write(out, 0x00, 4, nameIndex);
        if (nameIndex == 0) {
            string(out, name);
        }
        string(out, value);
    }

    /** A string literal, Huffman-coded when that is shorter. */
    private static void string(HpackOutput out, CharSequence s) {
        int huffman = Huffman.encodedLength(s);
        if (huffman < s.length()) {
            PrefixInteger.write(out, 0x80, 7, huffman);
            Huffman.encode(s, out);
        } else {
            PrefixInteger.write(out, 0x00, 7, s.length());
            out.writeLatin1(s);
        }
    }
}
