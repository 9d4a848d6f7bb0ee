package io.loomux.http.internal.ws;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Compression and decompression of messages: the worked examples of RFC 7692 section 7.2.3 byte
 * for byte, round trips checked against a plain {@link Inflater} as the oracle, the size limit and
 * bad data.
 */
public class PerMessageDeflateCodecTest {

    private static final int MIB = 1024 * 1024;
    private static final byte[] HELLO = "Hello".getBytes(StandardCharsets.US_ASCII);
    /** Section 7.2.3.1: "Hello" in one compressed block. */
    private static final byte[] HELLO_COMPRESSED = hex("f248cdc9c90700");
    /** Section 7.2.3.2: the second "Hello" pointing back into the first. */
    private static final byte[] HELLO_AGAIN_SHARED_WINDOW = hex("f200110000");
    private static final byte[] FLUSH_TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    @Test
    public void helloCompressesAsInSection7_2_3_1() {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(false);
        assertEquals(bytes(encoder.compress(ByteBuffer.wrap(HELLO))), HELLO_COMPRESSED);
        encoder.close();
    }

    @Test
    public void aSecondHelloUsesTheSharedWindowAsInSection7_2_3_2() {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(false);
        assertEquals(bytes(encoder.compress(ByteBuffer.wrap(HELLO))), HELLO_COMPRESSED);
        assertEquals(bytes(encoder.compress(ByteBuffer.wrap(HELLO))), HELLO_AGAIN_SHARED_WINDOW);
        encoder.close();
    }

    @Test
    public void withoutContextTakeoverEveryHelloCompressesAlike() {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(true);
        for (int i = 0; i < 3; i++) {
            assertEquals(bytes(encoder.compress(ByteBuffer.wrap(HELLO))), HELLO_COMPRESSED, "message " + i);
        }
        encoder.close();
    }

    /** Section 7.2.3, every example payload the server may receive, and what it decodes to. */
    @DataProvider
    public Object[][] rfcPayloads() {
        return new Object[][] {
                {"7.2.3.1 one compressed block", List.of("f248cdc9c90700")},
                {"7.2.3.1 the same in two fragments", List.of("f248cd", "c9c90700")},
                {"7.2.3.3 a block with no compression", List.of("000500faff48656c6c6f00")},
                {"7.2.3.4 a block with BFINAL set", List.of("f348cdc9c9070000")},
                {"7.2.3.5 two blocks", List.of("f24805000000ffffcac9c90700")},
                {"7.2.3.5 two blocks split inside the flush", List.of("f2480500", "0000ff", "ffcac9c90700")},
        };
    }

    @Test(dataProvider = "rfcPayloads")
    public void rfcExamplesDecodeToHello(String example, List<String> fragments) throws Exception {
        for (boolean noContextTakeover : new boolean[] {false, true}) {
            PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(noContextTakeover, 1024);
            for (String fragment : fragments) {
                decoder.add(ByteBuffer.wrap(hex(fragment)));
            }
            assertEquals(new String(decoder.finish(), StandardCharsets.US_ASCII), "Hello", example);
            // The decoder is ready for the next message, whatever the last one ended with.
            assertEquals(decoder.decompress(ByteBuffer.wrap(HELLO_COMPRESSED)), HELLO, example + ", then another");
            decoder.close();
        }
    }

    @Test
    public void theSharedWindowExampleDecodesOnlyWithContextTakeover() throws Exception {
        PerMessageDeflateDecoder shared = new PerMessageDeflateDecoder(false, 1024);
        assertEquals(shared.decompress(ByteBuffer.wrap(HELLO_COMPRESSED)), HELLO);
        assertEquals(shared.decompress(ByteBuffer.wrap(HELLO_AGAIN_SHARED_WINDOW)), HELLO);
        shared.close();

        PerMessageDeflateDecoder fresh = new PerMessageDeflateDecoder(true, 1024);
        assertEquals(fresh.decompress(ByteBuffer.wrap(HELLO_COMPRESSED)), HELLO);
        PerMessageDeflateException e = expectThrows(PerMessageDeflateException.class,
                () -> fresh.decompress(ByteBuffer.wrap(HELLO_AGAIN_SHARED_WINDOW)));
        assertFalse(e.tooBig(), "a reference before the window's start is bad data");
        fresh.close();
    }

    @Test
    public void aWindowSurvivesAFinalBlockWithinTheMessage() throws Exception {
        // 7.2.3.4's final block, then a message that points back to its "Hello".
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, 1024);
        assertEquals(decoder.decompress(ByteBuffer.wrap(hex("f348cdc9c9070000"))), HELLO);
        assertEquals(decoder.decompress(ByteBuffer.wrap(HELLO_AGAIN_SHARED_WINDOW)), HELLO);
        // A message that ends with its final block and no empty block after it is taken too.
        assertEquals(decoder.decompress(ByteBuffer.wrap(hex("f348cdc9c90700"))), HELLO);
        assertEquals(decoder.decompress(ByteBuffer.wrap(HELLO_AGAIN_SHARED_WINDOW)), HELLO);
        decoder.close();
    }

    @Test
    public void anEmptyMessageIsOneZeroByteAsInSection7_2_3_6() throws Exception {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(false);
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, 1024);
        for (int i = 0; i < 2; i++) {
            assertEquals(bytes(encoder.compress(ByteBuffer.allocate(0))), new byte[] {0});
            assertEquals(decoder.decompress(ByteBuffer.wrap(new byte[] {0})), new byte[0]);
            // The window is untouched: a following Hello still points back to the one before.
            byte[] hello = bytes(encoder.compress(ByteBuffer.wrap(HELLO)));
            assertEquals(hello, i == 0 ? HELLO_COMPRESSED : HELLO_AGAIN_SHARED_WINDOW);
            assertEquals(decoder.decompress(ByteBuffer.wrap(hello)), HELLO);
        }
        // A compressed message with no payload at all is taken as empty and leaves the window be.
        assertEquals(decoder.decompress(ByteBuffer.allocate(0)), new byte[0]);
        assertEquals(decoder.decompress(ByteBuffer.wrap(HELLO_AGAIN_SHARED_WINDOW)), HELLO);
        encoder.close();
        decoder.close();
    }

    @DataProvider
    public Object[][] contextTakeover() {
        return new Object[][] {{false}, {true}};
    }

    /**
     * Messages of random sizes up to 1 MiB, text-like and random bytes, through the encoder, the
     * oracle (a plain raw inflater fed exactly as RFC 7692 says) and the decoder in fragments.
     */
    @Test(dataProvider = "contextTakeover")
    public void roundTripsOfRandomMessagesUpTo1Mib(boolean noContextTakeover) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(noContextTakeover);
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(noContextTakeover, MIB);
        Inflater oracle = new Inflater(true);
        int[] sizes = new int[40];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = switch (i % 4) {
                case 0 -> random.nextInt(64);
                case 1 -> random.nextInt(70_000);
                case 2 -> random.nextInt(MIB + 1);
                default -> i == 3 ? MIB : random.nextInt(1024);
            };
        }
        for (int i = 0; i < sizes.length; i++) {
            String where = "message " + i + " of " + sizes[i] + " bytes, seed " + seed;
            byte[] message = i % 3 == 0 ? randomBytes(random, sizes[i]) : textLike(random, sizes[i]);
            byte[] compressed = bytes(encoder.compress(ByteBuffer.wrap(message)));
            if (noContextTakeover) {
                oracle.reset();
            }
            assertEquals(oracleInflate(oracle, compressed), message, where + ": oracle");
            assertEquals(decodeInFragments(decoder, compressed, random), message, where + ": decoder");
        }
        encoder.close();
        decoder.close();
        oracle.end();
    }

    @Test
    public void contextTakeoverShrinksARepeatedMessageAndNoContextTakeoverDoesNot() {
        byte[] message = textLike(new Random(7), 2000);
        PerMessageDeflateEncoder shared = new PerMessageDeflateEncoder(false);
        PerMessageDeflateEncoder fresh = new PerMessageDeflateEncoder(true);
        byte[] sharedFirst = bytes(shared.compress(ByteBuffer.wrap(message)));
        byte[] sharedSecond = bytes(shared.compress(ByteBuffer.wrap(message)));
        byte[] freshFirst = bytes(fresh.compress(ByteBuffer.wrap(message)));
        byte[] freshSecond = bytes(fresh.compress(ByteBuffer.wrap(message)));
        assertEquals(freshFirst, sharedFirst);
        assertEquals(freshSecond, freshFirst);
        // A few matches of DEFLATE's longest length, 258 bytes, each a handful of bits.
        assertTrue(sharedSecond.length < 40, "the second copy is back references: " + sharedSecond.length + " bytes");
        assertNotEquals(sharedSecond, freshSecond);
        shared.close();
        fresh.close();
    }

    @Test
    public void theLimitIsTheExactSize() throws Exception {
        byte[] message = textLike(new Random(11), 5000);
        for (int limit : new int[] {5000, 4999, 0}) {
            PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(false);
            PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, limit);
            assertEquals(decoder.decompress(ByteBuffer.wrap(new byte[] {0})), new byte[0], "empty within " + limit);
            byte[] compressed = bytes(encoder.compress(ByteBuffer.wrap(message)));
            if (limit >= message.length) {
                assertEquals(decoder.decompress(ByteBuffer.wrap(compressed)), message);
            } else {
                PerMessageDeflateException e = expectThrows(PerMessageDeflateException.class,
                        () -> decoder.decompress(ByteBuffer.wrap(compressed)));
                assertTrue(e.tooBig(), "limit " + limit);
                assertEquals(e.closeCode(), 1009);
            }
            encoder.close();
            decoder.close();
        }
    }

    @Test
    public void aSmallMessageThatInflatesHugeStopsAtTheLimit() {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(true);
        byte[] bomb = bytes(encoder.compress(ByteBuffer.allocate(MIB)));
        encoder.close();
        assertTrue(bomb.length <= 1100, "1 MiB of zeros compresses to about 1 KiB: " + bomb.length);
        int limit = 64 * 1024;
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, limit);
        ByteBuffer input = ByteBuffer.wrap(bomb);
        PerMessageDeflateException e = expectThrows(PerMessageDeflateException.class, () -> decoder.decompress(input));
        assertTrue(e.tooBig());
        assertEquals(e.closeCode(), 1009);
        // 64 KiB of zeros is about 1/16 of the input; most of it must never have been read.
        assertTrue(input.remaining() > bomb.length / 2,
                "decompression went on past the limit: " + input.remaining() + " of " + bomb.length + " bytes left");
        decoder.close();
    }

    @Test
    public void theLimitCountsEveryFragmentOfTheMessage() throws Exception {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(false);
        byte[] compressed = bytes(encoder.compress(ByteBuffer.wrap(randomBytes(new Random(3), 3000))));
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, 2000);
        int half = compressed.length / 2;
        decoder.add(ByteBuffer.wrap(compressed, 0, half)); // about 1500 bytes: within the limit
        PerMessageDeflateException e = expectThrows(PerMessageDeflateException.class,
                () -> decoder.add(ByteBuffer.wrap(compressed, half, compressed.length - half)));
        assertTrue(e.tooBig());
        encoder.close();
        decoder.close();
    }

    /** Payloads no DEFLATE decoder accepts, each for a different reason. */
    @DataProvider
    public Object[][] badPayloads() {
        return new Object[][] {
                {"reserved block type 11", "ffffffff"},
                {"stored block lengths that disagree", "000500000048656c6c6f"},
                {"a distance before the start of the window", "f200110000"},
                {"a dynamic block with a bad code length table", "04c0812400000080"},
        };
    }

    @Test(dataProvider = "badPayloads")
    public void badDataIsRefusedAsBad(String what, String payload) {
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, MIB);
        PerMessageDeflateException e = expectThrows(PerMessageDeflateException.class,
                () -> decoder.decompress(ByteBuffer.wrap(hex(payload))));
        assertFalse(e.tooBig(), what);
        assertEquals(e.closeCode(), 1007, what);
        decoder.close();
    }

    @Test
    public void randomGarbageIsBadOrHarmlessNeverAnotherFailure() {
        Random random = new Random(5);
        int bad = 0;
        for (int i = 0; i < 500; i++) {
            PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, 4096);
            try {
                decoder.decompress(ByteBuffer.wrap(randomBytes(random, 1 + random.nextInt(200))));
            } catch (PerMessageDeflateException e) {
                bad++;
            } finally {
                decoder.close();
            }
        }
        // Reserved block types and stored blocks with random lengths alone make half of them bad.
        assertTrue(bad > 250, "most random payloads are invalid DEFLATE: " + bad + " of 500 were refused");
    }

    @Test
    public void closedCodersRefuseWorkAndCloseTwice() throws Exception {
        PerMessageDeflateParameters agreed = new PerMessageDeflateParameters(false, false, "permessage-deflate");
        PerMessageDeflateEncoder encoder = agreed.newEncoder();
        PerMessageDeflateDecoder decoder = agreed.newDecoder(1024);
        assertEquals(decoder.decompress(encoder.compress(ByteBuffer.wrap(HELLO))), HELLO);
        encoder.close();
        encoder.close();
        decoder.close();
        decoder.close();
        assertThrows(IllegalStateException.class, () -> encoder.compress(ByteBuffer.wrap(HELLO)));
        assertThrows(IllegalStateException.class, () -> decoder.add(ByteBuffer.wrap(HELLO_COMPRESSED)));
        assertThrows(IllegalStateException.class, decoder::finish);
        // Never used: nothing native was made, closing is still fine.
        new PerMessageDeflateEncoder(true).close();
        new PerMessageDeflateDecoder(true, 0).close();
    }

    /**
     * Without context takeover, connections share pooled deflaters and inflaters: no message may
     * see another's data, a buffer handed out stays valid, and an inflater that failed is not
     * handed to anyone else. Several threads at once, each its own connection.
     */
    @Test
    public void connectionsWithoutContextTakeoverShareNothingButTheirCoders() throws Exception {
        byte[] hello = HELLO;
        int threads = 4;
        int messages = 300;
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = 100 + t;
            running.add(Thread.ofVirtual().start(() -> {
                Random random = new Random(seed);
                PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(true);
                PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(true, MIB);
                try {
                    for (int i = 0; i < messages; i++) {
                        // The same Hello every time: any window left from another connection's
                        // message would show as a shorter back reference.
                        ByteBuffer first = encoder.compress(ByteBuffer.wrap(hello));
                        byte[] message = textLike(random, random.nextInt(20_000));
                        byte[] compressed = bytes(encoder.compress(ByteBuffer.wrap(message)));
                        assertEquals(bytes(first), HELLO_COMPRESSED, "seed " + seed + " message " + i);
                        assertEquals(decoder.decompress(ByteBuffer.wrap(HELLO_COMPRESSED)), hello);
                        assertEquals(decoder.decompress(ByteBuffer.wrap(compressed)), message, "seed " + seed + " message " + i);
                        if (i % 50 == 0) {
                            // A failed decoder ends its inflater; the others go on unharmed.
                            PerMessageDeflateDecoder failing = new PerMessageDeflateDecoder(true, MIB);
                            expectThrows(PerMessageDeflateException.class,
                                    () -> failing.decompress(ByteBuffer.wrap(HELLO_AGAIN_SHARED_WINDOW)));
                            failing.close();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    encoder.close();
                    decoder.close();
                }
            }));
        }
        for (Thread thread : running) {
            thread.join();
        }
        assertEquals(failures, List.of());
    }

    @Test
    public void directBuffersWorkAsHeapOnes() throws Exception {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(false);
        PerMessageDeflateDecoder decoder = new PerMessageDeflateDecoder(false, MIB);
        byte[] message = textLike(new Random(9), 100_000);
        ByteBuffer direct = ByteBuffer.allocateDirect(message.length).put(message).flip();
        ByteBuffer compressed = encoder.compress(direct);
        assertFalse(direct.hasRemaining(), "the payload is consumed");
        ByteBuffer directCompressed = ByteBuffer.allocateDirect(compressed.remaining()).put(compressed).flip();
        assertEquals(decoder.decompress(directCompressed), message);
        encoder.close();
        decoder.close();
    }

    private static byte[] decodeInFragments(PerMessageDeflateDecoder decoder, byte[] compressed, Random random)
            throws PerMessageDeflateException {
        int at = 0;
        while (at < compressed.length) {
            int length = Math.min(compressed.length - at, 1 + random.nextInt(Math.max(1, compressed.length / 3)));
            decoder.add(ByteBuffer.wrap(compressed, at, length));
            at += length;
        }
        return decoder.finish();
    }

    /** RFC 7692 section 7.2.2 done by hand with the JDK's inflater: the oracle. */
    private static byte[] oracleInflate(Inflater inflater, byte[] compressed) throws DataFormatException {
        byte[] input = Arrays.copyOf(compressed, compressed.length + FLUSH_TAIL.length);
        System.arraycopy(FLUSH_TAIL, 0, input, compressed.length, FLUSH_TAIL.length);
        inflater.setInput(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[16 * 1024];
        for (int n; (n = inflater.inflate(chunk)) > 0; ) {
            out.write(chunk, 0, n);
        }
        assertFalse(inflater.finished(), "no final block in a message of ours");
        assertEquals(inflater.getRemaining(), 0, "the flush tail is read whole");
        return out.toByteArray();
    }

    /** Words from a small vocabulary: compresses about as well as real text. */
    private static byte[] textLike(Random random, int size) {
        String[] words = {"the ", "socket ", "message ", "frame ", "loom ", "virtual ", "thread ", "deflate ", "{\"id\":", "42, "};
        byte[] out = new byte[size];
        int at = 0;
        while (at < size) {
            byte[] word = words[random.nextInt(words.length)].getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(word.length, size - at);
            System.arraycopy(word, 0, out, at, n);
            at += n;
        }
        return out;
    }

    private static byte[] randomBytes(Random random, int size) {
        byte[] out = new byte[size];
        random.nextBytes(out);
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** Keeps the import of Deflater honest: the encoder is raw DEFLATE, as {@code nowrap} makes. */
    @Test
    public void theEncoderWritesRawDeflateNotZlib() {
        PerMessageDeflateEncoder encoder = new PerMessageDeflateEncoder(true);
        byte[] ours = bytes(encoder.compress(ByteBuffer.wrap(HELLO)));
        encoder.close();
        Deflater zlib = new Deflater(Deflater.DEFAULT_COMPRESSION, false);
        zlib.setInput(HELLO);
        byte[] wrapped = new byte[64];
        int n = zlib.deflate(wrapped, 0, wrapped.length, Deflater.SYNC_FLUSH);
        zlib.end();
        assertEquals(Arrays.copyOfRange(wrapped, 2, n - 4), ours, "the same deflate data without the zlib header");
    }
}
