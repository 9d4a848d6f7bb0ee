package io.loomux.http.internal.hpack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes the header blocks one peer sends on one HTTP/2 connection (RFC 7541), keeping the
 * dynamic table they share. Blocks must be decoded in the order they arrive, each whole: the
 * caller joins a HEADERS frame's fragment with its CONTINUATION frames' first.
 *
 * <p><b>Limits.</b> A block may describe far more than it weighs: one entry of the dynamic table
 * can be referenced by one byte as often as the block is long. The decoder therefore delivers
 * fields only while the list stays within a number of fields and a size (the sum over the fields
 * of name octets + value octets + 32, as SETTINGS_MAX_HEADER_LIST_SIZE counts it). At the first
 * field past either limit it stops delivering, and stops making strings for fields, but decodes
 * the rest of the block, since the dynamic table must stay in step with the peer's for the
 * blocks that follow; {@link #decode} then returns false, and the caller refuses the stream (431)
 * and may keep the connection. Memory is bounded by the limits and the table size, whatever the
 * block.
 *
 * <p>Anything that is not valid HPACK throws {@link HpackException}: the table can no longer be
 * trusted, and the connection ends with COMPRESSION_ERROR. Nothing valid is refused: HTTP/2's
 * own rules on fields are the caller's to check.
 *
 * <p>Not thread-safe: one connection's reader uses it.
 */
public final class HpackDecoder {

    private final DynamicTable table;
    private final int maxTableSize;
    private final int maxListSize;
    private final int maxFields;
    /** Octets of the literal being read; grows to what the limits let a literal hold. */
    private byte[] scratch = new byte[128];

    /** Per block: the size of the fields delivered so far. */
    private long listSize;
    /** Per block: the fields delivered so far. */
    private int fields;
    /** Per block: a limit was passed, nothing more is delivered. */
    private boolean over;
    /** Per block: a field came, so a table size update may no longer. */
    private boolean fieldSeen;

    /**
     * @param maxTableSize  the SETTINGS_HEADER_TABLE_SIZE this side advertises (4096 unless it
     *                      says otherwise): the largest table size update the peer may send
     * @param maxListSize   the largest header list delivered, in octets as RFC 9113 counts them
     *                      (name + value + 32 per field)
     * @param maxFields     the most fields delivered from one block
     */
    public HpackDecoder(int maxTableSize, int maxListSize, int maxFields) {
        if (maxTableSize < 0 || maxListSize < 0 || maxFields < 0) {
            throw new IllegalArgumentException("negative limit");
        }
        this.table = new DynamicTable(maxTableSize);
        this.maxTableSize = maxTableSize;
        this.maxListSize = maxListSize;
        this.maxFields = maxFields;
    }

    /**
     * Decodes one complete header block, from the buffer's position to its limit, and leaves the
     * position at the limit (unless it throws).
     *
     * @param block the block
     * @param sink  receives the fields in order while they stay within the limits
     * @return true if every field was delivered; false if the block passed the field count or
     *         list size limit, in which case the fields up to that point were delivered and none
     *         after (the block was still decoded to its end and the table updated)
     * @throws HpackException if the block is not valid HPACK
     */
    public boolean decode(ByteBuffer block, FieldSink sink) throws HpackException {
        listSize = 0;
        fields = 0;
        over = false;
        fieldSeen = false;
        while (block.hasRemaining()) {
            int first = block.get() & 0xff;
            if (first >= 0x80) {
                indexed(PrefixInteger.read(first, 7, block), sink);
            } else if (first >= 0x40) {
                literal(block, PrefixInteger.read(first, 6, block), true, sink);
            } else if (first >= 0x20) {
                sizeUpdate(PrefixInteger.read(first, 5, block));
            } else {
                // Without indexing (0000) or never indexed (0001): the same to a decoder.
                literal(block, PrefixInteger.read(first, 4, block), false, sink);
            }
        }
        return !over;
    }

    /** The table the peer's blocks have built, for tests. */
    DynamicTable table() {
        return table;
    }

    /** The bytes held for literals, for tests of the memory bound. */
    int scratchCapacity() {
        return scratch.length;
    }

    private void sizeUpdate(int size) throws HpackException {
        if (fieldSeen) {
            throw new HpackException("dynamic table size update after a field");
        }
        if (size > maxTableSize) {
            throw new HpackException("dynamic table size update to " + size + ", above " + maxTableSize);
        }
        table.setMaxSize(size);
    }

    private void indexed(int index, FieldSink sink) throws HpackException {
        fieldSeen = true;
        if (index == 0) {
            throw new HpackException("index 0");
        }
        String name = name(index);
        String value = index <= StaticTable.LENGTH
                ? StaticTable.value(index) : table.value(index - StaticTable.LENGTH);
        deliver(name, value, (long) name.length() + value.length() + DynamicTable.ENTRY_OVERHEAD, sink);
    }

    private String name(int index) throws HpackException {
        if (index <= StaticTable.LENGTH) {
            return StaticTable.name(index);
        }
        if (index - StaticTable.LENGTH > table.length()) {
            throw new HpackException("index " + index + " past the table's "
                    + (StaticTable.LENGTH + table.length()));
        }
        return table.name(index - StaticTable.LENGTH);
    }

    /**
     * A literal field: its name from the table ({@code nameIndex} > 0) or the block, its value
     * from the block. Only the octets worth keeping (those of a field that can still be delivered
     * or added to the table) go to the scratch array, and only a field that is kept becomes
     * strings.
     */
    private void literal(ByteBuffer block, int nameIndex, boolean indexing, FieldSink sink)
            throws HpackException {
        fieldSeen = true;
        long deliverable = over || fields >= maxFields
                ? -1 : maxListSize - listSize - DynamicTable.ENTRY_OVERHEAD;
        long indexable = indexing ? table.maxSize() - DynamicTable.ENTRY_OVERHEAD : -1;
        // Name and value octets, together, worth keeping.
        int keep = (int) Math.max(0, Math.max(deliverable, indexable));

        String name = null;
        int nameLength;
        if (nameIndex == 0) {
            nameLength = string(block, 0, keep);
        } else {
            name = name(nameIndex);
            nameLength = name.length();
        }
        int valueOffset = Math.min(nameLength, keep);
        int valueLength = string(block, valueOffset, keep - valueOffset);

        long size = (long) nameLength + valueLength;
        boolean deliver = size <= deliverable;
        boolean add = size <= indexable;
        if (!deliver && !add) {
            if (indexing) {
                table.clear();
            }
            over |= !deliver;
            return;
        }
        if (name == null) {
            name = latin1(0, nameLength);
        }
        String value = latin1(valueOffset, valueLength);
        if (indexing) {
            table.add(name, value);
        }
        deliver(name, value, size + DynamicTable.ENTRY_OVERHEAD, sink);
    }

    /**
     * Reads a string literal (RFC 7541 section 5.2) and stores its octets at {@code offset} in
     * the scratch array if there are no more than {@code limit} of them.
     *
     * @return its length in octets (after Huffman decoding)
     */
    private int string(ByteBuffer block, int offset, int limit) throws HpackException {
        if (!block.hasRemaining()) {
            throw new HpackException("block ends before a string");
        }
        int first = block.get() & 0xff;
        int length = PrefixInteger.read(first, 7, block);
        if (length > block.remaining()) {
            throw new HpackException("string of " + length + " bytes, " + block.remaining() + " left");
        }
        if ((first & 0x80) != 0) {
            // At most 8 octets per 5 bits, the shortest code.
            int room = (int) Math.min(limit, length * 8L / 5);
            ensureScratch(offset + room);
            return Huffman.decode(block, length, scratch, offset, room);
        }
        if (length <= limit) {
            ensureScratch(offset + length);
            block.get(scratch, offset, length);
        } else {
            block.position(block.position() + length);
        }
        return length;
    }

    private void ensureScratch(int needed) {
        if (needed > scratch.length) {
            // The name's octets may be in it already, ahead of the value's.
            int doubled = (int) Math.min(Integer.MAX_VALUE - 8, scratch.length * 2L);
            scratch = Arrays.copyOf(scratch, Math.max(needed, doubled));
        }
    }

    private String latin1(int offset, int length) {
        return new String(scratch, offset, length, StandardCharsets.ISO_8859_1);
    }

    private void deliver(String name, String value, long size, FieldSink sink) {
        if (over) {
            return;
        }
        if (fields >= maxFields || listSize + size > maxListSize) {
            over = true;
            return;
        }
        fields++;
        listSize += size;
        sink.field(name, value);
    }
}
