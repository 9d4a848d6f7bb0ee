package io.loomux.http.internal.hpack;

import org.testng.annotations.Test;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.expectThrows;

/** The code derived from the lengths of RFC 7541 Appendix B, and decoding's refusals. */
public class HuffmanTest {

    private static String encode(String s) {
        HpackOutput out = new HpackOutput(1);
        Huffman.encode(s, out);
        assertEquals(out.size(), Huffman.encodedLength(s), "encodedLength of '" + s + "'");
        return Hex.of(out.toByteArray());
    }

    private static String decode(String dump) throws HpackException {
        ByteBuffer in = Hex.block(dump);
        byte[] out = new byte[in.remaining() * 8 / 5];
        int n = Huffman.decode(in, in.remaining(), out, 0, out.length);
        assertFalse(in.hasRemaining(), "the position is past the string");
        return new String(out, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static String bits(int symbol) {
        String digits = Integer.toBinaryString(Huffman.CODES[symbol]);
        return "0".repeat(Huffman.LENGTHS[symbol] - digits.length()) + digits;
    }

    @Test
    public void theCodesFormACompletePrefixCode() {
        // Kraft: the sum of 2^-length over the symbols is exactly 1 (no code space is left over).
        BigInteger sum = BigInteger.ZERO;
        for (int length : Huffman.LENGTHS) {
            sum = sum.add(BigInteger.ONE.shiftLeft(30 - length));
        }
        assertEquals(sum, BigInteger.ONE.shiftLeft(30));
        for (int a = 0; a <= HuffmanLengths.EOS; a++) {
            for (int b = 0; b <= HuffmanLengths.EOS; b++) {
                if (a != b && Huffman.LENGTHS[a] <= Huffman.LENGTHS[b]) {
                    assertFalse(bits(b).startsWith(bits(a)), bits(a) + " is a prefix of " + bits(b));
                }
            }
        }
    }

    @Test
    public void spotCodesAreThoseOfAppendixB() {
        assertEquals(bits('0'), "00000");
        assertEquals(bits('a'), "00011");
        assertEquals(bits(' '), "010100");
        assertEquals(bits('b'), "100011");
        assertEquals(bits(0), "1111111111000");
        assertEquals(Integer.toHexString(Huffman.CODES[10]), "3ffffffc");
        assertEquals(Integer.toHexString(Huffman.CODES[255]), "3ffffee");
        assertEquals(bits(HuffmanLengths.EOS), "1".repeat(30));
    }

    @Test
    public void theExamplesOfAppendixC() throws HpackException {
        assertEquals(encode("www.example.com"), "f1e3c2e5f23a6ba0ab90f4ff");
        assertEquals(encode("no-cache"), "a8eb10649cbf");
        assertEquals(encode("custom-key"), "25a849e95ba97d7f");
        assertEquals(encode("custom-value"), "25a849e95bb8e8b4bf");
        assertEquals(encode("302"), "6402");
        assertEquals(encode("Mon, 21 Oct 2013 20:13:21 GMT"), "d07abe941054d444a8200595040b8166e082a62d1bff");
        assertEquals(decode("f1e3c2e5f23a6ba0ab90f4ff"), "www.example.com");
        assertEquals(decode("9d29ad171863c78f0b97c8e9ae82ae43d3"), "https://www.example.com");
        assertEquals(decode(""), "");
    }

    @Test
    public void everyOctetRoundTrips() throws HpackException {
        StringBuilder all = new StringBuilder();
        for (int c = 0; c < 256; c++) {
            all.append((char) c);
            String one = String.valueOf((char) c);
            assertEquals(decode(encode(one)), one, "octet " + c);
        }
        assertEquals(decode(encode(all.toString())), all.toString());
    }

    @Test
    public void randomStringsRoundTrip() throws HpackException {
        Random random = new Random(7541);
        for (int i = 0; i < 2000; i++) {
            char[] chars = new char[random.nextInt(64)];
            for (int j = 0; j < chars.length; j++) {
                // Half the strings are header-like text, half any octets.
                chars[j] = (char) (i % 2 == 0 ? 32 + random.nextInt(95) : random.nextInt(256));
            }
            String s = new String(chars);
            assertEquals(decode(encode(s)), s, "seed 7541, string " + i);
        }
    }

    @Test
    public void aCharAboveAnOctetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Huffman.encodedLength("caf\u0100"));
    }

    @Test
    public void decodingStoresNoMoreThanTheLimitButCountsAll() throws HpackException {
        ByteBuffer in = Hex.block("f1e3c2e5f23a6ba0ab90f4ff");
        byte[] out = new byte[20];
        int n = Huffman.decode(in, in.remaining(), out, 2, 3);
        assertEquals(n, 15);
        assertEquals(new String(out, 0, 6, StandardCharsets.ISO_8859_1), "\0\0www\0");
    }

    @Test
    public void eosInsideAStringIsRefused() {
        // 'a' (00011), then EOS (30 ones), then a one bit of padding: 36 bits.
        HpackException e = expectThrows(HpackException.class, () -> decode("1fffffffff"));
        assertEquals(e.getMessage(), "EOS inside a Huffman string");
        // EOS alone, padded to 32 bits.
        assertThrows(HpackException.class, () -> decode("ffffffff"));
    }

    @Test
    public void paddingOfEightBitsOrMoreIsRefused() throws HpackException {
        assertEquals(decode("1f"), "a", "'a' and 3 bits of padding");
        // 'a' and 11 bits of padding.
        HpackException e = expectThrows(HpackException.class, () -> decode("1fff"));
        assertEquals(e.getMessage(), "Huffman padding longer than 7 bits");
        // A whole byte of padding alone.
        assertThrows(HpackException.class, () -> decode("ff"));
    }

    @Test
    public void paddingWithAZeroBitIsRefused() {
        // 'a' (00011) then 110 instead of 111.
        HpackException e = expectThrows(HpackException.class, () -> decode("1e"));
        assertEquals(e.getMessage(), "Huffman padding is not all ones");
        // 'a' then 000, the start of a code that does not end.
        assertThrows(HpackException.class, () -> decode("18"));
    }
}
