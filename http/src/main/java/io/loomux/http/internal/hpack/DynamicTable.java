package io.loomux.http.internal.hpack;

/**
 * The dynamic table of RFC 7541 section 2.3.2: a FIFO of fields, the newest at index 1, whose
 * size (each entry's name and value octets plus 32) stays within a maximum by evicting the
 * oldest entries. A ring of slots, growing by doubling, so that adding and evicting move nothing.
 *
 * <p>Names and values are ISO-8859-1 strings, one char per octet, so a string's length is its
 * size in octets.
 */
final class DynamicTable {

    /** What RFC 7541 counts for an entry beyond its octets. */
    static final int ENTRY_OVERHEAD = 32;

    private String[] names = new String[16];
    private String[] values = new String[16];
    /** The slot of the newest entry. */
    private int newest;
    private int length;
    private int size;
    private int maxSize;

    /**
     * @param maxSize the maximum size in octets, at least 0
     */
    DynamicTable(int maxSize) {
        this.maxSize = maxSize;
    }

    /**
     * @return the number of entries
     */
    int length() {
        return length;
    }

    /**
     * @return the sum of the entries' sizes
     */
    int size() {
        return size;
    }

    /**
     * @return the size the table stays within
     */
    int maxSize() {
        return maxSize;
    }

    /**
     * @param index 1 (the newest entry) to {@link #length()}
     * @return the entry's name
     */
    String name(int index) {
        return names[slot(index)];
    }

    /**
     * @param index 1 (the newest entry) to {@link #length()}
     * @return the entry's value
     */
    String value(int index) {
        return values[slot(index)];
    }

    private int slot(int index) {
        if (index < 1 || index > length) {
            throw new IndexOutOfBoundsException("dynamic index " + index + " of " + length);
        }
        return (newest + index - 1) & (names.length - 1);
    }

    /**
     * Adds an entry as the newest, evicting the oldest ones until it fits; an entry larger than
     * the maximum size empties the table and is not added (RFC 7541 section 4.4).
     */
    void add(String name, String value) {
        long entrySize = (long) name.length() + value.length() + ENTRY_OVERHEAD;
        if (entrySize > maxSize) {
            clear();
            return;
        }
        evictTo(maxSize - (int) entrySize);
        if (length == names.length) {
            grow();
        }
        newest = (newest - 1) & (names.length - 1);
        names[newest] = name;
        values[newest] = value;
        length++;
        size += (int) entrySize;
    }

    /**
     * Sets the maximum size, evicting the oldest entries until the table fits in it.
     *
     * @param maxSize at least 0
     */
    void setMaxSize(int maxSize) {
        this.maxSize = maxSize;
        evictTo(maxSize);
    }

    /** Evicts every entry. */
    void clear() {
        evictTo(0);
    }

    private void evictTo(int target) {
        while (size > target) {
            int oldest = (newest + length - 1) & (names.length - 1);
            size -= names[oldest].length() + values[oldest].length() + ENTRY_OVERHEAD;
            names[oldest] = null;
            values[oldest] = null;
            length--;
        }
    }

    private void grow() {
        int capacity = names.length;
        String[] newNames = new String[capacity * 2];
        String[] newValues = new String[capacity * 2];
        for (int i = 0; i < length; i++) {
            int from = (newest + i) & (capacity - 1);
            newNames[i] = names[from];
            newValues[i] = values[from];
        }
        names = newNames;
        values = newValues;
        newest = 0;
    }
}
