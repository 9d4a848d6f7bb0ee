package io.loomux.http.internal.h2;

import org.testng.annotations.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.List;

import static io.loomux.http.internal.h2.Hex.bytes;
import static io.loomux.http.internal.h2.Hex.concat;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertTrue;

/** What the reader delivers, however its input is split, and what it does not keep. */
public class FrameReaderTest {

    /**
     * One of each frame type a client sends, with padding, priority fields, a header block over
     * a CONTINUATION, an unknown type, and two stream errors on the way.
     */
    private static final byte[] SEQUENCE = bytes(""
            + "00000c 04 00 00000000 000300000064 000400010000"   // SETTINGS
            + "000000 04 01 00000000"                              // SETTINGS ACK
            + "000008 06 00 00000000 0001020304050607"             // PING
            + "00000b 01 2d 00000001 03 80000000 0f 8286 414243"    // HEADERS, PADDED PRIORITY END_HEADERS END_STREAM
            + "000003 01 00 00000003 828487"                       // HEADERS, no END_HEADERS
            + "000002 09 00 00000003 4142"                         // CONTINUATION
            + "000001 09 04 00000003 43"                           // CONTINUATION, END_HEADERS
            + "000009 00 09 00000003 04 68656c6c 00000000"          // DATA, PADDED END_STREAM
            + "000000 00 00 00000005"                              // empty DATA
            + "000005 02 00 00000005 00000003 ff"                  // PRIORITY
            + "000004 08 00 00000005 00000000"                     // WINDOW_UPDATE 0: stream error
            + "000004 02 00 00000007 00000001"                     // PRIORITY of 4 bytes: stream error
            + "000003 fa 07 00000003 ffffff"                       // unknown type 0xfa
            + "000004 03 00 00000005 00000008"                     // RST_STREAM CANCEL
            + "000004 08 00 00000000 00001000"                     // WINDOW_UPDATE on the connection
            + "00000c 07 00 00000000 00000005 0000000b 63616c6d"   // GOAWAY with debug "calm"
            + "000008 06 00 00000000 0000000000000000");           // PING

    private static final List<String> SEQUENCE_EVENTS = List.of(
            "SETTINGS Settings[MAX_CONCURRENT_STREAMS=100, INITIAL_WINDOW_SIZE=65536]",
            "SETTINGS ACK",
            "PING 1020304050607",
            "HEADERS 1 fragment 2 END_STREAM END_HEADERS",
            "fragment 1: 8286",
            "block end 1 END_STREAM",
            "HEADERS 3 fragment 3",
            "fragment 3: 828487",
            "CONTINUATION 3 fragment 2",
            "fragment 3: 4142",
            "CONTINUATION 3 fragment 1 END_HEADERS",
            "fragment 3: 43",
            "block end 3",
            "DATA 3 flow 9 END_STREAM",
            "data 3: 68656c6c",
            "DATA end 3 END_STREAM",
            "DATA 5 flow 0",
            "DATA end 5",
            "PRIORITY 5 on 3 weight 256",
            "stream 5 error PROTOCOL_ERROR",
            "stream 7 error FRAME_SIZE_ERROR",
            "unknown type 250 on 3 flags 7 length 3",
            "RST_STREAM 5 CANCEL",
            "WINDOW_UPDATE 0 +4096",
            "GOAWAY 5 ENHANCE_YOUR_CALM debug 63616c6d",
            "PING 0");

    @Test
    public void aSequenceOfEveryFrameTypeReadsAsExpected() {
        assertEquals(Recorder.read(SEQUENCE), SEQUENCE_EVENTS);
    }

    @Test
    public void everySplitInTwoGivesTheSameEvents() {
        List<String> whole = Recorder.read(SEQUENCE);
        for (int split = 0; split <= SEQUENCE.length; split++) {
            FrameReader reader = new FrameReader(Settings.MIN_MAX_FRAME_SIZE);
            Recorder r = new Recorder();
            r.feed(reader, ByteBuffer.wrap(SEQUENCE, 0, split));
            r.feed(reader, ByteBuffer.wrap(SEQUENCE, split, SEQUENCE.length - split));
            assertEquals(r.events, whole, "split at " + split);
        }
    }

    @Test
    public void oneByteAtATimeGivesTheSameEvents() {
        assertEquals(Recorder.feed(new FrameReader(Settings.MIN_MAX_FRAME_SIZE), SEQUENCE, 1).events,
                Recorder.read(SEQUENCE));
    }

    @Test
    public void everySplitOfAnInputEndingInAConnectionErrorGivesTheSameEvents() {
        byte[] input = concat(SEQUENCE, bytes("000001 01 00 00000009 82 000008 06 00 00000000 0000000000000000"));
        List<String> whole = Recorder.read(input);
        assertEquals(whole.get(whole.size() - 1), "connection error PROTOCOL_ERROR");
        for (int split = 0; split <= input.length; split++) {
            FrameReader reader = new FrameReader(Settings.MIN_MAX_FRAME_SIZE);
            Recorder r = new Recorder();
            r.feed(reader, ByteBuffer.wrap(input, 0, split));
            if (r.connectionError == null) {
                r.feed(reader, ByteBuffer.wrap(input, split, input.length - split));
            }
            assertEquals(r.events, whole, "split at " + split);
        }
        assertEquals(Recorder.feed(new FrameReader(Settings.MIN_MAX_FRAME_SIZE), input, 1).events, whole);
    }

    @Test
    public void dataPaddingIsStrippedAndCountsInTheFlowLength() {
        // Pad length 3, "hello", 3 bytes of padding: 9 bytes of payload.
        assertEquals(Recorder.read(bytes("000009 00 08 00000001 03 68656c6c6f 000000")),
                List.of("DATA 1 flow 9", "data 1: 68656c6c6f", "DATA end 1"));
        // A padding of 0 still costs its pad length byte.
        assertEquals(Recorder.read(bytes("000002 00 09 00000001 00 21")),
                List.of("DATA 1 flow 2 END_STREAM", "data 1: 21", "DATA end 1 END_STREAM"));
    }

    @Test
    public void dataStartsBeforeItsPayloadHasArrived() {
        FrameReader reader = new FrameReader(Settings.MIN_MAX_FRAME_SIZE);
        Recorder r = new Recorder();
        r.feed(reader, ByteBuffer.wrap(bytes("004000 00 01 00000001 6162")));
        assertEquals(r.events, List.of("DATA 1 flow 16384 END_STREAM", "data 1: 6162"));
    }

    @Test
    public void emptyDataStartsAndEnds() {
        assertEquals(Recorder.read(bytes("000000 00 01 00000001")),
                List.of("DATA 1 flow 0 END_STREAM", "DATA end 1 END_STREAM"));
    }

    @Test
    public void dataChunksAreSlicesOfTheInputNotCopies() {
        byte[] input = bytes("000007 00 08 00000001 01 6162636465 00");
        FrameReader reader = new FrameReader(Settings.MIN_MAX_FRAME_SIZE);
        Recorder r = new Recorder();
        r.feed(reader, ByteBuffer.wrap(input, 0, 13));
        r.feed(reader, ByteBuffer.wrap(input, 13, input.length - 13));
        assertEquals(r.dataChunks.size(), 2);
        for (ByteBuffer chunk : r.dataChunks) {
            assertSame(chunk.array(), input);
        }
        assertEquals(r.dataChunks.get(0).arrayOffset(), 10);
        assertEquals(r.dataChunks.get(0).remaining(), 3);
        assertEquals(r.dataChunks.get(1).arrayOffset(), 13);
        assertEquals(r.dataChunks.get(1).remaining(), 2);
    }

    @Test
    public void headersPaddingAndPriorityFieldsAreStripped() {
        assertEquals(Recorder.read(bytes("00000b 01 2c 00000001 02 00000000 0f 828784 0000")),
                List.of("HEADERS 1 fragment 3 END_HEADERS", "fragment 1: 828784", "block end 1"));
        assertEquals(Recorder.read(bytes("000004 01 0d 00000001 01 82 84 00")),
                List.of("HEADERS 1 fragment 2 END_STREAM END_HEADERS", "fragment 1: 8284", "block end 1 END_STREAM"));
    }

    @Test
    public void settingsAreReadInOrderAndTheLastValueWins() {
        Recorder r = Recorder.feed(new FrameReader(Settings.MIN_MAX_FRAME_SIZE),
                bytes("00001e 04 00 00000000 000100000000 000200000000 000300000001 000400000002 000400000003"
                        + "000600000400"), 5);
        assertEquals(r.events.size(), 1, r.events.toString());
        Settings s = r.settings;
        assertEquals(s.headerTableSize(), 0);
        assertFalse(s.enablePush());
        assertEquals(s.maxConcurrentStreams(), 1);
        assertEquals(s.initialWindowSize(), 3);
        assertFalse(s.isSet(Settings.MAX_FRAME_SIZE));
        assertEquals(s.maxFrameSize(), 16_384);
    }

    @Test
    public void pingRstStreamWindowUpdateAndGoAwayCarryTheirFields() {
        assertEquals(Recorder.read(bytes("000008 06 01 00000000 fedcba9876543210")), List.of("PING fedcba9876543210 ACK"));
        assertEquals(Recorder.read(bytes("000004 03 00 00000007 00000007")), List.of("RST_STREAM 7 REFUSED_STREAM"));
        assertEquals(Recorder.read(bytes("000004 08 00 00000007 7fffffff")), List.of("WINDOW_UPDATE 7 +2147483647"));
        assertEquals(Recorder.read(bytes("000008 07 00 00000000 80000009 00000001")),
                List.of("GOAWAY 9 PROTOCOL_ERROR debug "));
    }

    @Test
    public void unknownFramesAreReportedAndSkipped() {
        assertEquals(Recorder.read(bytes("000003 0a 00 00000000 616263 000000 ff ff 00000001 000000 00 01 00000001")),
                List.of("unknown type 10 on 0 flags 0 length 3", "unknown type 255 on 1 flags 255 length 0",
                        "DATA 1 flow 0 END_STREAM", "DATA end 1 END_STREAM"));
    }

    @Test
    public void aLargeGoAwayDebugPayloadIsSkippedNotBuffered() {
        int max = Settings.MAX_MAX_FRAME_SIZE;
        int debug = max - 8;
        FrameReader reader = new FrameReader(max);
        Recorder r = new Recorder();
        r.feed(reader, ByteBuffer.wrap(bytes("ffffff 07 00 00000000 00000001 00000000")));
        long allocated = feedZeros(reader, r, debug);
        assertEquals(r.events.size(), 1, "GOAWAY at the end of the frame");
        assertEquals(r.debug.length, FrameReader.MAX_DEBUG_DATA);
        assertTrue(allocated < 1 << 20, "16 MiB of debug data allocated " + allocated + " bytes");
    }

    @Test
    public void aLargeUnknownFrameIsSkippedNotBuffered() {
        int max = Settings.MAX_MAX_FRAME_SIZE;
        FrameReader reader = new FrameReader(max);
        Recorder r = new Recorder();
        r.feed(reader, ByteBuffer.wrap(bytes("ffffff 20 00 00000001")));
        assertEquals(r.events, List.of("unknown type 32 on 1 flags 0 length 16777215"));
        long allocated = feedZeros(reader, r, max);
        assertTrue(allocated < 1 << 20, "a 16 MiB frame allocated " + allocated + " bytes");
        assertTrue(reader.atFrameBoundary());
        r.feed(reader, ByteBuffer.wrap(bytes("000000 04 01 00000000")));
        assertEquals(r.events.get(1), "SETTINGS ACK");
    }

    /**
     * Feeds {@code n} zero bytes from one reused 8 KiB buffer, as a connection's input buffer
     * would hand them over, each piece consumed at once.
     *
     * @return the bytes this thread allocated meanwhile
     */
    private static long feedZeros(FrameReader reader, Recorder r, int n) {
        ByteBuffer in = ByteBuffer.allocate(8192);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int left = n; left > 0; ) {
            in.clear().limit(Math.min(left, in.capacity()));
            left -= in.remaining();
            r.feed(reader, in);
        }
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
