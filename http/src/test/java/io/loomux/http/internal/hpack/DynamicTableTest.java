package io.loomux.http.internal.hpack;

import org.testng.annotations.Test;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;

/** Sizes, eviction from the oldest end and the ring's growth. */
public class DynamicTableTest {

    @Test
    public void entriesAreNewestFirstAndSizedWithTheOverhead() {
        DynamicTable table = new DynamicTable(4096);
        table.add("a", "1");
        table.add("bb", "22");
        assertEquals(table.length(), 2);
        assertEquals(table.size(), 34 + 36);
        assertEquals(table.name(1), "bb");
        assertEquals(table.value(2), "1");
        assertThrows(IndexOutOfBoundsException.class, () -> table.name(3));
        assertThrows(IndexOutOfBoundsException.class, () -> table.name(0));
    }

    @Test
    public void addingEvictsTheOldestUntilTheEntryFits() {
        DynamicTable table = new DynamicTable(100);
        table.add("a", "1");
        table.add("b", "2");
        table.add("c", "3");
        assertEquals(table.size(), 68, "two entries of 34: the first was evicted");
        assertEquals(table.name(1), "c");
        assertEquals(table.name(2), "b");
        assertEquals(table.length(), 2);
    }

    @Test
    public void anEntryLargerThanTheTableEmptiesIt() {
        DynamicTable table = new DynamicTable(100);
        table.add("a", "1");
        table.add("x", "y".repeat(68));
        assertEquals(table.length(), 0);
        assertEquals(table.size(), 0);
        table.add("x", "y".repeat(67));
        assertEquals(table.size(), 100, "an entry of exactly the maximum fits");
    }

    @Test
    public void loweringTheMaximumEvicts() {
        DynamicTable table = new DynamicTable(4096);
        for (int i = 0; i < 10; i++) {
            table.add("n" + i, "v");
        }
        table.setMaxSize(3 * 35);
        assertEquals(table.length(), 3);
        assertEquals(table.name(3), "n7");
        table.setMaxSize(0);
        assertEquals(table.length(), 0);
        table.add("a", "1");
        assertEquals(table.length(), 0, "nothing fits in a table of 0");
    }

    @Test
    public void theRingGrowsAndWrapsInOrder() {
        DynamicTable table = new DynamicTable(40 * 35);
        // 100 entries through a table that holds 40: the ring wraps and grows past 16 slots.
        for (int i = 0; i < 100; i++) {
            table.add("k" + (char) ('a' + i % 26), String.valueOf(i % 10));
            int expected = Math.min(i + 1, 40);
            assertEquals(table.length(), expected);
            for (int j = 1; j <= expected; j++) {
                int added = i + 1 - j;
                assertEquals(table.name(j), "k" + (char) ('a' + added % 26), "entry " + j + " after " + i);
                assertEquals(table.value(j), String.valueOf(added % 10));
            }
        }
        assertEquals(table.size(), 40 * 35);
    }
}
