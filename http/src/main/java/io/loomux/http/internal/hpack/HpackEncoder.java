package io.loomux.http.internal.hpack;

/**
 * Encodes the header blocks this side sends on one HTTP/2 connection (RFC 7541): responses and
 * trailers.
 *
 * <p>A field that is a whole entry of the static or the dynamic table is sent as its index (one
 * byte for {@code :status 200}, and for {@code content-type: text/plain} once it was sent on the
 * connection). Otherwise it is sent as a literal, its name as an index when a table has it, each
 * literal Huffman-coded when that is shorter, and it is added to the dynamic table ("incremental
 * indexing"), so that the responses that follow on the connection send it as one byte. Two kinds
 * of field are not added: those that would take over a quarter of the table (one large value
 * would evict every small one) and credentials ({@link #SENSITIVE}), sent "never indexed" so that
 * no intermediary indexes them either (RFC 7541 section 7.1.3).
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

    /** Names whose values are secrets: never indexed, here or by an intermediary. */
    private static final java.util.Set<String> SENSITIVE = java.util.Set.of("authorization",
            "proxy-authorization", "cookie", "set-cookie");

    /** The maximum table size the peer's decoder now holds this side to. */
    private int tableSize = DEFAULT_TABLE_SIZE;
    /** The smallest size since the last block, to signal first; -1 when unchanged. */
    private int smallestPending = -1;
    /** Holds a status code's digits without a string per response. */
    private final StringBuilder digits = new StringBuilder(3);
    /** The peer's dynamic table, as its decoder holds it after the blocks encoded so far. */
    private final EncoderTable table = new EncoderTable(DEFAULT_TABLE_SIZE);

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
            table.setMaxSize(smallestPending);
        }
        PrefixInteger.write(out, 0x20, 5, tableSize);
        table.setMaxSize(tableSize);
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
     * Writes one field: as an index when a table holds it, else as a literal that (unless it is
     * large or sensitive) the peer adds to its dynamic table.
     *
     * @param out   the block's output
     * @param name  the name, lower case (not checked here), chars U+0000 to U+00FF
     * @param value the value, chars U+0000 to U+00FF
     * @throws IllegalArgumentException if a char of the name or value is above U+00FF
     */
    public void field(HpackOutput out, String name, String value) {
        int pair = StaticTable.indexOf(name, value);
        if (pair == 0) {
            pair = table.indexOf(name, value);
        }
        if (pair != 0) {
            PrefixInteger.write(out, 0x80, 7, pair);
            return;
        }
        int nameIndex = StaticTable.indexOf(name);
        if (nameIndex == 0) {
            nameIndex = table.indexOfName(name);
        }
        long entrySize = (long) name.length() + value.length() + DynamicTable.ENTRY_OVERHEAD;
        boolean sensitive = SENSITIVE.contains(name);
        boolean indexed = !sensitive && entrySize <= table.maxSize() / 4;
        if (indexed) {
            PrefixInteger.write(out, 0x40, 6, nameIndex);
        } else {
            PrefixInteger.write(out, sensitive ? 0x10 : 0x00, 4, nameIndex);
        }
        if (nameIndex == 0) {
            string(out, name);
        }
        string(out, value);
        if (indexed) {
            // After the literal: a char over U+00FF throws before the table changes.
            table.add(name, value);
        }
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
