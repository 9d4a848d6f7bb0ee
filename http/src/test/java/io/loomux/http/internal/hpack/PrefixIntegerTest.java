package io.loomux.http.internal.hpack;

import org.testng.annotations.Test;

import java.nio.ByteBuffer;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.expectThrows;

/** RFC 7541 section 5.1 and the examples of Appendix C.1, both ways, and what reading refuses. */
public class PrefixIntegerTest {

    private static String write(int flags, int prefixBits, int value) {
        HpackOutput out = new HpackOutput(1);
        PrefixInteger.write(out, flags, prefixBits, value);
        return Hex.of(out.toByteArray());
    }

    private static int read(int prefixBits, String dump) throws HpackException {
        ByteBuffer in = Hex.block(dump);
        int value = PrefixInteger.read(in.get() & 0xff, prefixBits, in);
        assertFalse(in.hasRemaining(), "bytes left after the integer");
        return value;
    }

    @Test
    public void c11TenWithAFiveBitPrefix() throws HpackException {
        assertEquals(write(0, 5, 10), "0a");
        assertEquals(write(0xe0, 5, 10), "ea", "the flag bits above the prefix are kept");
        assertEquals(read(5, "0a"), 10);
        assertEquals(read(5, "ea"), 10, "the flag bits are not part of the value");
    }

    @Test
    public void c12ThirteenThirtySevenWithAFiveBitPrefix() throws HpackException {
        assertEquals(write(0, 5, 1337), "1f9a0a");
        assertEquals(read(5, "1f9a0a"), 1337);
    }

    @Test
    public void c13FortyTwoOnAnOctetBoundary() throws HpackException {
        assertEquals(write(0, 8, 42), "2a");
        assertEquals(read(8, "2a"), 42);
    }

    @Test
    public void theBoundariesOfThePrefix() throws HpackException {
        assertEquals(write(0, 5, 30), "1e");
        assertEquals(write(0, 5, 31), "1f00", "the prefix's maximum needs a continuation byte");
        assertEquals(write(0, 5, 31 + 127), "1f7f");
        assertEquals(write(0, 5, 31 + 128), "1f8001");
        for (int value : new int[] {0, 30, 31, 158, 159, 1337, 65535, 1 << 24, Integer.MAX_VALUE}) {
            for (int prefix = 1; prefix <= 8; prefix++) {
                assertEquals(read(prefix, write(0, prefix, value)), value, value + " on " + prefix + " bits");
            }
        }
    }

    @Test
    public void theLargestIntIsRead() throws HpackException {
        // 2^31 - 1 - 31 = 0x7fffffe0: 7-bit groups e0 ff ff ff 07 (low group first, flagged).
        assertEquals(write(0, 5, Integer.MAX_VALUE), "1fe0ffffff07");
        assertEquals(read(5, "1fe0ffffff07"), Integer.MAX_VALUE);
    }

    @Test
    public void aValueAboveTheLargestIntIsRefused() {
        HpackException e = expectThrows(HpackException.class, () -> read(5, "1fe1ffffff07"));
        assertEquals(e.getMessage(), "integer larger than 2^31 - 1");
        assertThrows(HpackException.class, () -> read(5, "1fffffffff7f"));
    }

    @Test
    public void tooManyContinuationBytesAreRefused() throws HpackException {
        assertEquals(read(5, "1f8080808000"), 31, "five continuation bytes, zero-padded, are a value");
        HpackException e = expectThrows(HpackException.class, () -> read(5, "1f808080808000"));
        assertEquals(e.getMessage(), "integer longer than 5 continuation bytes");
    }

    @Test
    public void anIntegerCutShortIsRefused() {
        HpackException e = expectThrows(HpackException.class, () -> read(5, "1f9a"));
        assertEquals(e.getMessage(), "block ends inside an integer");
    }
}
