package io.loomux.http.internal.hpack;

import org.testng.annotations.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

/** The encoder's own strategy, byte for byte, and its blocks read back by the decoder. */
public class HpackEncoderTest {

    private final HpackOutput out = new HpackOutput(4);

    private String field(HpackEncoder encoder, String name, String value) {
        out.reset();
        encoder.field(out, name, value);
        return Hex.of(out.toByteArray());
    }

    private String status(HpackEncoder encoder, int code) {
        out.reset();
        encoder.status(out, code);
        return Hex.of(out.toByteArray());
    }

    private String start(HpackEncoder encoder) {
        out.reset();
        encoder.startBlock(out);
        return Hex.of(out.toByteArray());
    }

    @Test
    public void statusUsesTheStaticEntries() {
        HpackEncoder e = new HpackEncoder();
        assertEquals(status(e, 200), "88");
        assertEquals(status(e, 204), "89");
        assertEquals(status(e, 206), "8a");
        assertEquals(status(e, 304), "8b");
        assertEquals(status(e, 400), "8c");
        assertEquals(status(e, 404), "8d");
        assertEquals(status(e, 500), "8e");
        assertEquals(field(e, ":status", "200"), "88");
        assertEquals(field(e, ":status", "500"), "8e");
    }

    @Test
    public void otherStatusesNameTheStaticEntry() {
        HpackEncoder e = new HpackEncoder();
        // Literal without indexing, name index 8, "302" Huffman-coded in 2 bytes (C.6.1's value).
        assertEquals(status(e, 302), "08826402");
        assertEquals(field(e, ":status", "302"), "48826402", "as a field, it is indexed");
        assertEquals(field(e, ":status", "302"), "be");
        assertThrows(IllegalArgumentException.class, () -> status(e, 99));
        assertThrows(IllegalArgumentException.class, () -> status(e, 1000));
    }

    @Test
    public void fieldsAreIndexedNamedOrLiteral() {
        HpackEncoder e = new HpackEncoder();
        assertEquals(field(e, "accept-encoding", "gzip, deflate"), "90", "the whole pair is entry 16");
        // Incremental indexing (0x40), name index 24 on 6 bits, value "private" in 5 Huffman
        // bytes (C.6.1); sent again, it is dynamic entry 62.
        assertEquals(field(e, "cache-control", "private"), "58" + "85aec3771a4b");
        assertEquals(field(e, "cache-control", "private"), "be");
        // Name index 31, "text/html" in 7 Huffman bytes; with an empty value, static entry 31.
        assertEquals(field(e, "content-type", "text/html"), "5f" + "87497ca589d34d1f");
        assertEquals(field(e, "content-type", ""), "9f");
        assertEquals(field(e, "content-type", "text/html"), "be", "the newest entry is 62");
        assertEquals(field(e, "cache-control", "private"), "bf");
        // A new name: 0x40, the name in Huffman, then the value (C.4.3's custom-key, byte for byte).
        assertEquals(field(e, "custom-key", "custom-value"), "408825a849e95ba97d7f8925a849e95bb8e8b4bf");
        // Its name is known now: a new value names dynamic entry 62 (62 = 0x3e).
        assertEquals(field(e, "custom-key", "a"), "7e" + "0161");
        assertEquals(field(e, "custom-key", "custom-value"), "bf");
    }

    @Test
    public void huffmanOnlyWhenShorter() {
        HpackEncoder e = new HpackEncoder();
        // "x-a" takes 3 bytes either way, and two octets whose codes are 26 and 27 bits take 7:
        // both raw.
        assertEquals(field(e, "x-a", "\u00ff\u00fe"), "40" + "03782d61" + "02fffe");
        // Three '0's take 15 bits, 2 bytes: Huffman.
        assertEquals(field(e, "age", "000"), "55" + "82" + "0001");
        assertThrows(IllegalArgumentException.class, () -> field(e, "x-b", "\u0100"));
        assertEquals(field(e, "x-b", "1"), "40" + "03782d62" + "0131", "the refused field was not indexed");
    }

    @Test
    public void credentialsAreNeverIndexed() {
        HpackEncoder e = new HpackEncoder();
        // Never indexed (0x10), name index 55 (15 + 40), the value raw.
        assertEquals(field(e, "set-cookie", "a=b"), "1f28" + "03613d62");
        assertEquals(field(e, "set-cookie", "a=b"), "1f28" + "03613d62", "not in the table");
        assertEquals(field(e, "authorization", "x"), "1f08" + "0178");
    }

    @Test
    public void largeFieldsAreNotIndexed() {
        HpackEncoder e = new HpackEncoder();
        String big = "y".repeat(1024 - 32 - 5 + 1);
        out.reset();
        e.field(out, "x-big", big);
        assertEquals(out.toByteArray()[0], 0x00, "over a quarter of the table: without indexing");
        String fits = "y".repeat(1024 - 32 - 5);
        out.reset();
        e.field(out, "x-big", fits);
        assertEquals(out.toByteArray()[0], 0x40, "a quarter of the table: indexed");
        assertEquals(field(e, "x-big", fits), "be");
    }

    @Test
    public void aLoweredSizeEvictsWhatTheDecoderEvicts() throws HpackException {
        HpackEncoder e = new HpackEncoder();
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 20, 1000);
        HpackOutput block = new HpackOutput();
        block.reset();
        e.startBlock(block);
        e.field(block, "x-one", "1");
        e.field(block, "x-two", "2");
        decoder.decode(block.asByteBuffer(), new Fields());
        assertEquals(decoder.table().length(), 2);
        // 38 octets hold one of the two entries (5 + 1 + 32 each): the older is evicted.
        e.setMaxTableSize(38);
        block.reset();
        e.startBlock(block);
        e.field(block, "x-two", "2");
        e.field(block, "x-one", "1");
        Fields received = new Fields();
        decoder.decode(block.asByteBuffer(), received);
        assertEquals(received.lines, List.of("x-two: 2", "x-one: 1"));
        assertEquals(Hex.of(block.toByteArray()).substring(0, 6), "3f07" + "be", "the size, then x-two as entry 62");
        assertEquals(decoder.table().length(), 1, "x-one, added again, evicted x-two");
    }

    @Test
    public void aLoweredPeerSettingIsSignalledAtTheNextBlockOnly() {
        HpackEncoder e = new HpackEncoder();
        assertEquals(start(e), "", "no update at first");
        e.setMaxTableSize(8192);
        assertEquals(start(e), "", "the encoder keeps to 4096");
        e.setMaxTableSize(100);
        assertEquals(start(e), "3f45", "100 = 31 + 69");
        assertEquals(start(e), "", "signalled once");
        e.setMaxTableSize(0);
        e.setMaxTableSize(4096);
        assertEquals(start(e), "20" + "3fe11f", "the smallest size, then the final one");
        e.setMaxTableSize(-1);
        assertEquals(start(e), "", "2^32 - 1 is more than 4096 too");
        e.setMaxTableSize(300);
        e.setMaxTableSize(200);
        assertEquals(start(e), "3fa901", "only the final size when it is the smallest");
    }

    private static String randomToken(Random random, int maxLength) {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder s = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(maxLength); i < n; i++) {
            s.append(chars.charAt(random.nextInt(chars.length())));
        }
        return s.toString();
    }

    @Test
    public void randomBlocksRoundTripThroughTheDecoder() throws HpackException {
        Random random = new Random(9113);
        HpackEncoder encoder = new HpackEncoder();
        HpackDecoder decoder = new HpackDecoder(4096, 1 << 20, 1000);
        HpackOutput block = new HpackOutput();
        int expectedTableSize = 4096;
        String[][] repeats = new String[20][];
        for (int i = 0; i < repeats.length; i++) {
            repeats[i] = new String[] {"x-r" + i, randomToken(random, 1 + i * 40)};
        }
        for (int b = 0; b < 300; b++) {
            if (b % 25 == 24) {
                // The peer's setting changes between blocks, sometimes twice.
                int setting = random.nextInt(5000);
                encoder.setMaxTableSize(setting);
                if (random.nextBoolean()) {
                    setting = random.nextInt(5000);
                    encoder.setMaxTableSize(setting);
                }
                expectedTableSize = Math.min(setting, 4096);
            }
            List<String> sent = new ArrayList<>();
            block.reset();
            encoder.startBlock(block);
            int status = 100 + random.nextInt(500);
            encoder.status(block, status);
            sent.add(":status: " + status);
            for (int i = 0, n = random.nextInt(12); i < n; i++) {
                String name = random.nextInt(3) == 0
                        ? StaticTable.name(15 + random.nextInt(47)) : "x-" + randomToken(random, 20);
                String value;
                if (random.nextInt(3) == 0) {
                    // A field sent before: found in the dynamic table, or evicted by now.
                    int k = random.nextInt(repeats.length);
                    name = repeats[k][0];
                    value = repeats[k][1];
                } else if (random.nextInt(4) == 0) {
                    char[] octets = new char[random.nextInt(40)];
                    for (int j = 0; j < octets.length; j++) {
                        octets[j] = (char) random.nextInt(256);
                    }
                    value = new String(octets);
                } else {
                    value = randomToken(random, 60);
                }
                encoder.field(block, name, value);
                sent.add(name + ": " + value);
            }
            Fields received = new Fields();
            assertTrue(decoder.decode(block.asByteBuffer(), received), "block " + b);
            assertEquals(received.lines, sent, "block " + b + " (seed 9113)");
            assertEquals(decoder.table().maxSize(), expectedTableSize, "block " + b);
        }
        assertTrue(decoder.table().length() > 0, "fields sent again are in the peer's table");
    }
}
