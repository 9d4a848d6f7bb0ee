package io.loomux.http.internal.hpack;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The HPACK decoder ({@link HpackDecoder}) on arbitrary bytes, read as the header blocks of one
 * connection: each block a 2-byte big-endian length and that many bytes (the last one whatever
 * is left), decoded in order with one dynamic table. Each block decodes or throws
 * {@link HpackException}, which ends the connection (no later block is decoded); any other
 * exception is a finding. What the sink receives stays within the field count and list size
 * limits, the dynamic table within its maximum size, and a block decoded whole reads back the
 * same after {@link HpackEncoder} writes its fields again.
 *
 * <p>The limits are small, so that the fuzzer reaches them.
 */
class HpackDecoderFuzzTest {

    private static final int MAX_TABLE_SIZE = 4096;
    private static final int MAX_LIST_SIZE = 1024;
    private static final int MAX_FIELDS = 16;
    /** Blocks read from one input at most. */
    private static final int MAX_BLOCKS = 8;

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] input) {
        HpackDecoder decoder = new HpackDecoder(MAX_TABLE_SIZE, MAX_LIST_SIZE, MAX_FIELDS);
        int at = 0;
        for (int i = 0; i < MAX_BLOCKS && at + 2 <= input.length; i++) {
            int length = ((input[at] & 0xff) << 8) | (input[at + 1] & 0xff);
            at += 2;
            int end = Math.min(input.length, at + length);
            List<String> names = new ArrayList<>();
            List<String> values = new ArrayList<>();
            boolean whole;
            try {
                whole = decoder.decode(ByteBuffer.wrap(input, at, end - at), (name, value) -> {
                    names.add(name);
                    values.add(value);
                });
            } catch (HpackException e) {
                return;
            }
            at = end;
            long listSize = 0;
            for (int f = 0; f < names.size(); f++) {
                listSize += names.get(f).length() + values.get(f).length() + 32;
            }
            if (names.size() > MAX_FIELDS || listSize > MAX_LIST_SIZE) {
                throw new AssertionError(names.size() + " fields of " + listSize + " octets delivered");
            }
            DynamicTable table = decoder.table();
            if (table.size() > table.maxSize() || table.maxSize() > MAX_TABLE_SIZE) {
                throw new AssertionError("table of " + table.size() + " octets, maximum " + table.maxSize());
            }
            if (whole) {
                checkReencoded(names, values);
            }
        }
    }

    /** The fields, written by the encoder and read by a decoder without limits, are the same. */
    private static void checkReencoded(List<String> names, List<String> values) {
        HpackOutput out = new HpackOutput();
        HpackEncoder encoder = new HpackEncoder();
        encoder.startBlock(out);
        for (int f = 0; f < names.size(); f++) {
            encoder.field(out, names.get(f), values.get(f));
        }
        List<String> names2 = new ArrayList<>();
        List<String> values2 = new ArrayList<>();
        try {
            boolean whole = new HpackDecoder(MAX_TABLE_SIZE, Integer.MAX_VALUE, Integer.MAX_VALUE)
                    .decode(out.asByteBuffer(), (name, value) -> {
                        names2.add(name);
                        values2.add(value);
                    });
            if (!whole) {
                throw new AssertionError("the re-encoded block is over unlimited limits");
            }
        } catch (HpackException e) {
            throw new AssertionError("the encoder wrote a block the decoder refuses", e);
        }
        if (!names.equals(names2) || !values.equals(values2)) {
            throw new AssertionError("re-encoded " + names + values + ", read back " + names2 + values2);
        }
    }
}
