package io.loomux.http.internal.hpack;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The encoder's copy of the dynamic table the peer's decoder keeps (RFC 7541 section 2.3.2),
 * with what the decoder's does not need: finding a field in it. Entries are added and evicted
 * exactly as the decoder adds and evicts them ({@link DynamicTable} does the sizes), so an index
 * found here is the one the decoder reads.
 *
 * <p>Lookups allocate nothing: fields are found by name (a {@code String}'s hash is cached), then
 * among the few entries of that name by value. An entry's index follows from its insertion
 * number: the newest entry is {@code StaticTable.LENGTH + 1}.
 *
 * <p>Invariant, checked after each change: the entries known by name are exactly those the
 * table holds, so the name map never grows past the table.
 */
final class EncoderTable {

    /** One entry; entries of one name are chained newest first. */
    private static final class Entry {
        final String name;
        final String value;
        /** 1 for the first entry ever added, and so on. */
        final long number;
        Entry sameName;

        Entry(String name, String value, long number, Entry sameName) {
            this.name = name;
            this.value = value;
            this.number = number;
            this.sameName = sameName;
        }
    }

    private final DynamicTable sizes;
    /** The entries, oldest first. */
    private final ArrayDeque<Entry> order = new ArrayDeque<>();
    /** The newest entry of each name in the table. */
    private final Map<String, Entry> byName = new HashMap<>();
    private long added;

    /** @param maxSize the table's size to begin with, in octets */
    EncoderTable(int maxSize) {
        this.sizes = new DynamicTable(maxSize);
    }

    /** @return the size the table stays within */
    int maxSize() {
        return sizes.maxSize();
    }

    /**
     * @return the index (static entries first) of the entry with this name and value, or 0 when
     *     the table has none
     */
    int indexOf(String name, String value) {
        for (Entry e = byName.get(name); e != null; e = e.sameName) {
            if (e.value.equals(value)) {
                return index(e);
            }
        }
        return 0;
    }

    /** @return the index (static entries first) of an entry with this name, or 0 when there is none */
    int indexOfName(String name) {
        Entry e = byName.get(name);
        return e == null ? 0 : index(e);
    }

    private int index(Entry e) {
        return StaticTable.LENGTH + (int) (added - e.number) + 1;
    }

    /** Adds the field as the newest entry, evicting as the decoder will. */
    void add(String name, String value) {
        sizes.add(name, value);
        added++;
        Entry e = new Entry(name, value, added, byName.get(name));
        order.addLast(e);
        byName.put(name, e);
        evictToMatch();
    }

    /** Sets the table's size, evicting as the decoder will. */
    void setMaxSize(int maxSize) {
        sizes.setMaxSize(maxSize);
        evictToMatch();
    }

    /** Drops the oldest entries the size table evicted, so that both hold the same ones. */
    private void evictToMatch() {
        // Bounded: each pass removes one of the entries, of which there are as many as were added.
        while (order.size() > sizes.length()) {
            Entry oldest = order.removeFirst();
            Entry head = byName.get(oldest.name);
            if (head == oldest) {
                byName.remove(oldest.name);
            } else {
                Entry before = head;
                while (before.sameName != oldest) {
                    before = before.sameName;
                }
                before.sameName = null;
            }
        }
        if (order.size() != sizes.length() || byName.size() > order.size()) {
            throw new IllegalStateException("the encoder's table lost count: " + order.size() + " entries, "
                    + sizes.length() + " sized, " + byName.size() + " names");
        }
    }
}
