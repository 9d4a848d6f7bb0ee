package io.loomux.http.internal.h2;

import org.testng.annotations.Test;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static io.loomux.http.internal.h2.Hex.bytes;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;

/** The writer's bytes against hand-typed frames, and round trips through the reader. */
public class FrameWriterTest {

    private static byte[] written(ByteBuffer out) {
        out.flip();
        byte[] b = new byte[out.remaining()];
        out.get(b);
        return b;
    }

    private static List<String> readBack(ByteBuffer out) {
        return Recorder.read(written(out));
    }

    @Test
    public void controlFramesHaveTheBytesOfRfc9113() {
        ByteBuffer out = ByteBuffer.allocate(100);
        FrameWriter.settingsAck(out);
        assertEquals(written(out), bytes("000000 04 01 00000000"));
        out.clear();
        FrameWriter.ping(out, 0x0102030405060708L, true);
        assertEquals(written(out), bytes("000008 06 01 00000000 0102030405060708"));
        out.clear();
        FrameWriter.rstStream(out, 3, ErrorCode.CANCEL);
        assertEquals(written(out), bytes("000004 03 00 00000003 00000008"));
        out.clear();
        FrameWriter.windowUpdate(out, 0, 65_535);
        assertEquals(written(out), bytes("000004 08 00 00000000 0000ffff"));
        out.clear();
        FrameWriter.goAway(out, 7, ErrorCode.ENHANCE_YOUR_CALM, "ab".getBytes(StandardCharsets.US_ASCII));
        assertEquals(written(out), bytes("00000a 07 00 00000000 00000007 0000000b 6162"));
        out.clear();
        FrameWriter.dataHeader(out, 5, 16_384, true);
        assertEquals(written(out), bytes("004000 00 01 00000005"));
        out.clear();
        FrameWriter.settings(out, new Settings().set(Settings.MAX_CONCURRENT_STREAMS, 100)
                .set(Settings.INITIAL_WINDOW_SIZE, 65_535).set(Settings.MAX_HEADER_LIST_SIZE, 65_536));
        assertEquals(written(out), bytes("00000c 04 00 00000000 000300000064 000600010000"),
                "only the values that differ from the defaults");
    }

    @Test
    public void controlFramesRoundTrip() {
        ByteBuffer out = ByteBuffer.allocate(200);
        Settings ours = new Settings().set(Settings.HEADER_TABLE_SIZE, 8192).set(Settings.ENABLE_PUSH, 0)
                .set(Settings.MAX_CONCURRENT_STREAMS, 100).set(Settings.INITIAL_WINDOW_SIZE, 1 << 20)
                .set(Settings.MAX_FRAME_SIZE, 1 << 16).set(Settings.MAX_HEADER_LIST_SIZE, 1 << 16);
        FrameWriter.settings(out, ours);
        FrameWriter.settingsAck(out);
        FrameWriter.ping(out, -1L, true);
        FrameWriter.rstStream(out, 1, ErrorCode.HTTP_1_1_REQUIRED);
        FrameWriter.windowUpdate(out, 3, Integer.MAX_VALUE);
        FrameWriter.goAway(out, 9, ErrorCode.NO_ERROR, new byte[0]);
        assertEquals(readBack(out), List.of(
                "SETTINGS Settings[HEADER_TABLE_SIZE=8192, ENABLE_PUSH=0, MAX_CONCURRENT_STREAMS=100, "
                        + "INITIAL_WINDOW_SIZE=1048576, MAX_FRAME_SIZE=65536, MAX_HEADER_LIST_SIZE=65536]",
                "SETTINGS ACK", "PING ffffffffffffffff ACK", "RST_STREAM 1 HTTP_1_1_REQUIRED",
                "WINDOW_UPDATE 3 +2147483647", "GOAWAY 9 NO_ERROR debug "));
    }

    @Test
    public void aDataHeaderAndItsPayloadRoundTrip() {
        ByteBuffer out = ByteBuffer.allocate(100);
        FrameWriter.dataHeader(out, 1, 3, false);
        out.put(bytes("616263"));
        FrameWriter.dataHeader(out, 1, 0, true);
        assertEquals(readBack(out), List.of("DATA 1 flow 3", "data 1: 616263", "DATA end 1", "DATA 1 flow 0 END_STREAM",
                "DATA end 1 END_STREAM"));
    }

    @Test
    public void aHeaderBlockIsSplitOverContinuationsByThePeersMaxFrameSize() {
        byte[] block = new byte[10];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (0x80 + i);
        }
        ByteBuffer out = ByteBuffer.allocate(FrameWriter.headerBlockLength(block.length, 4));
        assertEquals(out.capacity(), 10 + 3 * 9);
        FrameWriter.headerBlock(out, 5, ByteBuffer.wrap(block), true, 4);
        assertEquals(out.remaining(), 0, "the announced length is the written one");
        String hex = HexFormat.of().formatHex(block);
        List<String> expected = new ArrayList<>(List.of("HEADERS 5 fragment 4 END_STREAM", "fragment 5: " + hex.substring(0, 8),
                "CONTINUATION 5 fragment 4", "fragment 5: " + hex.substring(8, 16),
                "CONTINUATION 5 fragment 2 END_HEADERS", "fragment 5: " + hex.substring(16), "block end 5 END_STREAM"));
        assertEquals(readBack(out), expected);
    }

    @Test
    public void aHeaderBlockOfExactlyTheMaxFrameSizeTakesOneFrameAndAnEmptyOneTakesOne() {
        ByteBuffer out = ByteBuffer.allocate(100);
        FrameWriter.headerBlock(out, 1, ByteBuffer.wrap(bytes("82868441")), false, 4);
        FrameWriter.headerBlock(out, 3, ByteBuffer.allocate(0), true, 4);
        assertEquals(readBack(out), List.of("HEADERS 1 fragment 4 END_HEADERS", "fragment 1: 82868441", "block end 1",
                "HEADERS 3 fragment 0 END_STREAM END_HEADERS", "block end 3 END_STREAM"));
        assertEquals(FrameWriter.headerBlockLength(4, 4), 13);
        assertEquals(FrameWriter.headerBlockLength(0, 4), 9);
        assertEquals(FrameWriter.headerBlockLength(5, 4), 23);
    }

    @Test
    public void nothingIsWrittenWhenTheFrameDoesNotFit() {
        ByteBuffer out = ByteBuffer.allocate(16);
        assertThrows(BufferOverflowException.class, () -> FrameWriter.ping(out, 1, true));
        assertThrows(BufferOverflowException.class,
                () -> FrameWriter.headerBlock(out, 1, ByteBuffer.allocate(8), false, 16_384));
        assertEquals(out.position(), 0);
        assertThrows(IllegalArgumentException.class, () -> FrameWriter.rstStream(out, 0, ErrorCode.CANCEL));
        assertThrows(IllegalArgumentException.class, () -> FrameWriter.windowUpdate(out, 1, 0));
    }
}
