package io.loomux.http.internal.hpack;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * The decoder on the examples of RFC 7541 Appendix C.2 to C.6 (fields, then the dynamic table's
 * entries and size after each block), and on blocks that must be refused or cut off.
 */
public class HpackDecoderTest {

    private static HpackDecoder decoder(int tableSize) {
        return new HpackDecoder(tableSize, 1 << 20, 1000);
    }

    /** The table as RFC 7541 prints it: entries newest first, then the size. */
    private static List<String> table(HpackDecoder decoder) {
        DynamicTable table = decoder.table();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= table.length(); i++) {
            lines.add(table.name(i) + ": " + table.value(i));
        }
        lines.add("size " + table.size());
        return lines;
    }

    @Test
    public void c21LiteralWithIndexing() throws HpackException {
        HpackDecoder d = decoder(4096);
        assertEquals(Fields.decode(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
                List.of("custom-key: custom-header"));
        assertEquals(table(d), List.of("custom-key: custom-header", "size 55"));
    }

    @Test
    public void c22LiteralWithoutIndexing() throws HpackException {
        HpackDecoder d = decoder(4096);
        assertEquals(Fields.decode(d, "040c 2f73 616d 706c 652f 7061 7468"), List.of(":path: /sample/path"));
        assertEquals(table(d), List.of("size 0"));
    }

    @Test
    public void c23LiteralNeverIndexed() throws HpackException {
        HpackDecoder d = decoder(4096);
        assertEquals(Fields.decode(d, "1008 7061 7373 776f 7264 0673 6563 7265 74"), List.of("password: secret"));
        assertEquals(table(d), List.of("size 0"));
    }

    @Test
    public void c24Indexed() throws HpackException {
        HpackDecoder d = decoder(4096);
        assertEquals(Fields.decode(d, "82"), List.of(":method: GET"));
        assertEquals(table(d), List.of("size 0"));
    }

    @DataProvider
    public Object[][] requests() {
        return new Object[][] {
            {"C.3 without Huffman", new String[] {
                "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                "8286 84be 5808 6e6f 2d63 6163 6865",
                "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65"}},
            {"C.4 with Huffman", new String[] {
                "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
                "8286 84be 5886 a8eb 1064 9cbf",
                "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf"}},
        };
    }

    @Test(dataProvider = "requests")
    public void c3AndC4Requests(String what, String[] blocks) throws HpackException {
        HpackDecoder d = decoder(4096);
        assertEquals(Fields.decode(d, blocks[0]),
                List.of(":method: GET", ":scheme: http", ":path: /", ":authority: www.example.com"), what);
        assertEquals(table(d), List.of(":authority: www.example.com", "size 57"), what);

        assertEquals(Fields.decode(d, blocks[1]), List.of(":method: GET", ":scheme: http", ":path: /",
                ":authority: www.example.com", "cache-control: no-cache"), what);
        assertEquals(table(d), List.of("cache-control: no-cache", ":authority: www.example.com", "size 110"), what);

        assertEquals(Fields.decode(d, blocks[2]), List.of(":method: GET", ":scheme: https", ":path: /index.html",
                ":authority: www.example.com", "custom-key: custom-value"), what);
        assertEquals(table(d), List.of("custom-key: custom-value", "cache-control: no-cache",
                ":authority: www.example.com", "size 164"), what);
    }

    @DataProvider
    public Object[][] responses() {
        return new Object[][] {
            {"C.5 without Huffman", new String[] {
                "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133"
                    + "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70"
                    + "6c65 2e63 6f6d",
                "4803 3330 37c1 c0bf",
                "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d"
                    + "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049"
                    + "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e"
                    + "3d31"}},
            {"C.6 with Huffman", new String[] {
                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6"
                    + "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
                "4883 640e ffc1 c0bf",
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab"
                    + "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f"
                    + "9587 3160 65c0 03ed 4ee5 b106 3d50 07"}},
        };
    }

    @Test(dataProvider = "responses")
    public void c5AndC6ResponsesWithEvictions(String what, String[] blocks) throws HpackException {
        HpackDecoder d = decoder(256);
        String date1 = "date: Mon, 21 Oct 2013 20:13:21 GMT";
        String date2 = "date: Mon, 21 Oct 2013 20:13:22 GMT";
        String location = "location: https://www.example.com";
        String cookie = "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

        assertEquals(Fields.decode(d, blocks[0]),
                List.of(":status: 302", "cache-control: private", date1, location), what);
        assertEquals(table(d), List.of(location, date1, "cache-control: private", ":status: 302", "size 222"), what);

        assertEquals(Fields.decode(d, blocks[1]),
                List.of(":status: 307", "cache-control: private", date1, location), what);
        assertEquals(table(d), List.of(":status: 307", location, date1, "cache-control: private", "size 222"), what);

        assertEquals(Fields.decode(d, blocks[2]), List.of(":status: 200", "cache-control: private", date2,
                location, "content-encoding: gzip", cookie), what);
        assertEquals(table(d), List.of(cookie, "content-encoding: gzip", date2, "size 215"), what);
    }

    @Test
    public void staticNamesAreTheTablesOwnStrings() throws HpackException {
        Fields fields = new Fields();
        // :method GET (indexed), then :path with a literal value (name index 4).
        assertTrue(decoder(4096).decode(Hex.block("82 040c 2f73 616d 706c 652f 7061 7468"), fields));
        assertSame(fields.names.get(0), StaticTable.name(2));
        assertSame(fields.values.get(0), StaticTable.value(2));
        assertSame(fields.names.get(1), StaticTable.name(4));
    }

    @Test
    public void sizeUpdatesAtTheStartAreTaken() throws HpackException {
        HpackDecoder d = decoder(4096);
        // To 0, then to 4096 (31 + 97 + 31 * 128), then a field.
        assertEquals(Fields.decode(d, "20 3fe11f 82"), List.of(":method: GET"));
        assertEquals(d.table().maxSize(), 4096);
        assertEquals(Fields.decode(d, "3f11"), List.of(), "a block of a size update alone");
        assertEquals(d.table().maxSize(), 48);
        // An entry of 55 does not fit in 48: the table stays empty.
        Fields.decode(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        assertEquals(table(d), List.of("size 0"));
    }

    private static HpackException refused(HpackDecoder decoder, String dump) {
        return expectThrows(HpackException.class, () -> decoder.decode(Hex.block(dump), new Fields()));
    }

    @Test
    public void aSizeUpdateAboveTheAdvertisedMaximumIsRefused() {
        HpackException e = refused(decoder(4096), "3fe21f");
        assertEquals(e.getMessage(), "dynamic table size update to 4097, above 4096");
    }

    @Test
    public void aSizeUpdateAfterAFieldIsRefused() {
        HpackException e = refused(decoder(4096), "82 20");
        assertEquals(e.getMessage(), "dynamic table size update after a field");
        assertEquals(refused(decoder(4096), "040c 2f73 616d 706c 652f 7061 7468 3f11").getMessage(),
                "dynamic table size update after a field");
    }

    @Test
    public void indexZeroIsRefused() {
        assertEquals(refused(decoder(4096), "80").getMessage(), "index 0");
    }

    @Test
    public void anIndexPastTheTableIsRefused() {
        assertEquals(refused(decoder(4096), "be").getMessage(), "index 62 past the table's 61");
        // A literal's name index, 15 + 47 = 62.
        assertEquals(refused(decoder(4096), "0f2f 0161").getMessage(), "index 62 past the table's 61");
        HpackDecoder d = decoder(4096);
        // One entry (C.2.1), then index 63.
        assertEquals(refused(d, "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 bf")
                .getMessage(), "index 63 past the table's 62");
    }

    @Test
    public void anIntegerOverflowIsRefused() {
        assertEquals(refused(decoder(4096), "ffff ffff ff7f").getMessage(), "integer larger than 2^31 - 1");
        assertEquals(refused(decoder(4096), "ff80 8080 8080 00").getMessage(),
                "integer longer than 5 continuation bytes");
        assertEquals(refused(decoder(4096), "0001 61ff ffff ffff 7f").getMessage(), "integer larger than 2^31 - 1");
    }

    @Test
    public void aStringLongerThanTheBlockIsRefused() {
        assertEquals(refused(decoder(4096), "000a 6162").getMessage(), "string of 10 bytes, 2 left");
        // 2^31 - 1 bytes claimed: refused before anything is allocated for it.
        assertEquals(refused(decoder(4096), "0001 617f 80ff ffff 07").getMessage(),
                "string of 2147483647 bytes, 0 left");
        assertEquals(refused(decoder(4096), "0001 61").getMessage(), "block ends before a string");
    }

    @Test
    public void malformedHuffmanInABlockIsRefused() {
        // Literal without indexing, name "a", Huffman value: EOS inside, 11 bits of padding, a 0 in it.
        assertEquals(refused(decoder(4096), "0001 6185 1fff ffff ff").getMessage(), "EOS inside a Huffman string");
        assertEquals(refused(decoder(4096), "0001 6182 1fff").getMessage(), "Huffman padding longer than 7 bits");
        assertEquals(refused(decoder(4096), "0001 6181 1e").getMessage(), "Huffman padding is not all ones");
        // The same in a field past the limits, which is not delivered but is still checked.
        HpackDecoder small = new HpackDecoder(4096, 1 << 20, 0);
        assertThrows(HpackException.class, () -> small.decode(Hex.block("0001 6181 1e"), new Fields()));
    }

    @Test
    public void aValueReferencedTenThousandTimesIsCutOffAtTheListSize() throws HpackException {
        int limit = 16 * 1024;
        HpackDecoder d = new HpackDecoder(65536, limit, 100_000);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        // Literal with incremental indexing, new name "x", a raw value of 4096 'v' (length 127 + 3969).
        block.writeBytes(Hex.bytes("40 0178 7f81 1f"));
        block.writeBytes("v".repeat(4096).getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 10_000; i++) {
            block.write(0xbe);
        }
        Fields fields = new Fields();
        assertFalse(d.decode(ByteBuffer.wrap(block.toByteArray()), fields), "reported over the limit");
        assertTrue(fields.listSize <= limit, fields.listSize + " octets delivered");
        // 4129 octets a field: the literal and two references fit in 16384, a third does not.
        assertEquals(fields.lines.size(), 3);
        // The block was decoded to its end: the table holds the entry for the next block.
        assertEquals(d.table().length(), 1);
        Fields next = new Fields();
        assertTrue(d.decode(Hex.block("be"), next));
        assertEquals(next.values, List.of("v".repeat(4096)));
    }

    @Test
    public void fieldsPastTheCountAreNotDelivered() throws HpackException {
        HpackDecoder d = new HpackDecoder(4096, 1 << 20, 10);
        Fields fields = new Fields();
        assertFalse(d.decode(Hex.block("82".repeat(100)), fields));
        assertEquals(fields.lines.size(), 10);
        assertTrue(d.decode(Hex.block("82".repeat(10)), new Fields()), "the next block starts afresh");
    }

    @Test
    public void aLiteralPastTheLimitIsNeitherDeliveredNorHeld() throws HpackException {
        int limit = 4096;
        HpackDecoder d = new HpackDecoder(4096, limit, 100);
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        // Literal without indexing, name "x", a Huffman value of 100,000 zero bytes (127 + 99873),
        // which decode to 160,000 '0' octets (5 bits each).
        block.writeBytes(Hex.bytes("00 0178 ffa1 8c06"));
        block.writeBytes(new byte[100_000]);
        block.write(0x82);
        Fields fields = new Fields();
        assertFalse(d.decode(ByteBuffer.wrap(block.toByteArray()), fields));
        assertEquals(fields.lines, List.of(), "nothing after the first field past the limit either");
        assertTrue(d.scratchCapacity() <= 2 * limit, "scratch of " + d.scratchCapacity() + " bytes");
    }

    @Test
    public void aFieldPastTheLimitIsStillAddedToTheTable() throws HpackException {
        HpackDecoder d = new HpackDecoder(4096, 60, 100);
        Fields fields = new Fields();
        // :method GET (42 octets), then C.2.1 (55): past 60, not delivered, but indexed.
        assertFalse(d.decode(Hex.block(
                "82 400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"), fields));
        assertEquals(fields.lines, List.of(":method: GET"));
        assertEquals(table(d), List.of("custom-key: custom-header", "size 55"));
        assertEquals(Fields.decode(d, "be"), List.of("custom-key: custom-header"));
    }
}
