package io.loomux.http.internal.hpack;

import org.testng.annotations.Test;

import static org.testng.Assert.assertEquals;

/** Spot entries of RFC 7541 Appendix A and the encoder's look-ups. */
public class StaticTableTest {

    @Test
    public void entriesAreThoseOfAppendixA() {
        assertEquals(StaticTable.LENGTH, 61);
        assertEquals(StaticTable.name(1), ":authority");
        assertEquals(StaticTable.value(2), "GET");
        assertEquals(StaticTable.value(14), "500");
        assertEquals(StaticTable.value(16), "gzip, deflate");
        assertEquals(StaticTable.name(24), "cache-control");
        assertEquals(StaticTable.name(33), "date");
        assertEquals(StaticTable.name(46), "location");
        assertEquals(StaticTable.name(55), "set-cookie");
        assertEquals(StaticTable.name(61), "www-authenticate");
    }

    @Test
    public void lookUpsFindTheFirstNameAndTheExactPair() {
        assertEquals(StaticTable.indexOf(":status"), 8);
        assertEquals(StaticTable.indexOf(":status", "404"), 13);
        assertEquals(StaticTable.indexOf(":status", "302"), 0);
        assertEquals(StaticTable.indexOf(":method", "POST"), 3);
        assertEquals(StaticTable.indexOf("content-type"), 31);
        assertEquals(StaticTable.indexOf("content-type", ""), 31);
        assertEquals(StaticTable.indexOf("x-custom"), 0);
        assertEquals(StaticTable.indexOf("x-custom", ""), 0);
        assertEquals(StaticTable.indexOf("www-authenticate", "x"), 0, "the last entry, scanning stops");
    }
}
