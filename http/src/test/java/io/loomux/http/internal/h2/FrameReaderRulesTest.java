package io.loomux.http.internal.h2;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static io.loomux.http.internal.h2.Hex.bytes;
import static io.loomux.http.internal.h2.Hex.concat;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

/**
 * One test per frame-level rule of RFC 9113 sections 3.4 and 4 to 6: each input breaks one
 * rule, and the reader must answer with the code and scope the RFC gives. Frame bytes are typed
 * by hand: length (3 bytes), type, flags, stream (4 bytes), payload.
 */
public class FrameReaderRulesTest {

    /** A valid frame that follows the broken one where the reader must go on: PING 0102..08. */
    private static final String PING = "000008 06 00 00000000 0102030405060708";
    private static final String PING_EVENT = "PING 102030405060708";

    private static void assertConnectionError(String hex, ErrorCode code) {
        List<String> events = Recorder.read(bytes(hex + PING));
        assertEquals(events.get(events.size() - 1), "connection error " + code, events.toString());
        assertTrue(events.stream().noneMatch(e -> e.startsWith("PING")), "nothing is read after it: " + events);
    }

    // Section 4.2

    @Test
    public void aFrameLongerThanOurMaxFrameSizeIsAConnectionFrameSizeError() {
        // 16,385 bytes of DATA; the header alone decides.
        assertEquals(Recorder.read(bytes("004001 00 00 00000001")), List.of("connection error FRAME_SIZE_ERROR"));
        FrameReader larger = new FrameReader(1 << 15);
        Recorder r = Recorder.feed(larger, concat(bytes("004001 00 00 00000001"), new byte[0x4001]), 100);
        assertEquals(r.events.get(0), "DATA 1 flow 16385", "a reader advertising 32 KiB takes it");
        assertEquals(r.events.get(r.events.size() - 1), "DATA end 1");
    }

    @Test
    public void aFrameOfExactlyTheMaxFrameSizeIsRead() {
        List<String> events = Recorder.read(concat(bytes("004000 00 01 00000001"), new byte[0x4000]));
        assertEquals(events.get(0), "DATA 1 flow 16384 END_STREAM");
        assertEquals(events.get(2), "DATA end 1 END_STREAM");
    }

    @Test
    public void settingsOfALengthNotAMultipleOfSixIsAFrameSizeError() {
        assertConnectionError("000005 04 00 00000000 0003000000", ErrorCode.FRAME_SIZE_ERROR);
        assertConnectionError("000007 04 00 00000000 00030000006400", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    public void aSettingsAckWithAPayloadIsAFrameSizeError() {
        assertConnectionError("000006 04 01 00000000 000300000064", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    public void pingOfALengthOtherThanEightIsAFrameSizeError() {
        assertConnectionError("000007 06 00 00000000 01020304050607", ErrorCode.FRAME_SIZE_ERROR);
        assertConnectionError("000009 06 00 00000000 010203040506070809", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    public void rstStreamOfALengthOtherThanFourIsAFrameSizeError() {
        assertConnectionError("000003 03 00 00000001 000008", ErrorCode.FRAME_SIZE_ERROR);
        assertConnectionError("000005 03 00 00000001 0000000800", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    public void windowUpdateOfALengthOtherThanFourIsAConnectionFrameSizeErrorEvenOnAStream() {
        assertConnectionError("000005 08 00 00000001 0000000100", ErrorCode.FRAME_SIZE_ERROR);
        assertConnectionError("000003 08 00 00000000 000001", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    public void priorityOfALengthOtherThanFiveIsAStreamFrameSizeErrorAndTheFrameIsSkipped() {
        assertEquals(Recorder.read(bytes("000004 02 00 00000003 00000001" + PING)),
                List.of("stream 3 error FRAME_SIZE_ERROR", PING_EVENT));
        assertEquals(Recorder.read(bytes("000006 02 00 00000003 000000010f00" + PING)),
                List.of("stream 3 error FRAME_SIZE_ERROR", PING_EVENT));
    }

    @Test
    public void goAwayShorterThanItsFixedFieldsIsAFrameSizeError() {
        assertConnectionError("000007 07 00 00000000 00000000000000", ErrorCode.FRAME_SIZE_ERROR);
    }

    @Test
    public void paddedFramesTooShortForThePadLengthAreFrameSizeErrors() {
        assertConnectionError("000000 00 08 00000001", ErrorCode.FRAME_SIZE_ERROR);
        assertConnectionError("000000 01 0c 00000001", ErrorCode.FRAME_SIZE_ERROR);
        // PRIORITY flag: 5 bytes of priority fields, only 4 there.
        assertConnectionError("000004 01 24 00000001 00000000", ErrorCode.FRAME_SIZE_ERROR);
        // PADDED and PRIORITY: 6 bytes of fixed fields, only 5 there.
        assertConnectionError("000005 01 2c 00000001 0000000000", ErrorCode.FRAME_SIZE_ERROR);
    }

    // Stream 0 or not (sections 6.1 to 6.10)

    @DataProvider
    public Object[][] streamFramesOnStreamZero() {
        return new Object[][]{
                {"DATA", "000001 00 00 00000000 61"},
                {"HEADERS", "000001 01 04 00000000 82"},
                {"PRIORITY", "000005 02 00 00000000 000000010f"},
                {"RST_STREAM", "000004 03 00 00000000 00000008"},
                {"CONTINUATION", "000001 09 04 00000000 82"},
        };
    }

    @Test(dataProvider = "streamFramesOnStreamZero")
    public void aStreamFrameOnStreamZeroIsAConnectionProtocolError(String type, String frame) {
        assertConnectionError(frame, ErrorCode.PROTOCOL_ERROR);
    }

    @DataProvider
    public Object[][] connectionFramesOnAStream() {
        return new Object[][]{
                {"SETTINGS", "000000 04 00 00000001"},
                {"SETTINGS ACK", "000000 04 01 00000001"},
                {"PING", "000008 06 00 00000001 0000000000000000"},
                {"GOAWAY", "000008 07 00 00000001 0000000000000000"},
        };
    }

    @Test(dataProvider = "connectionFramesOnAStream")
    public void aConnectionFrameOnAStreamIsAConnectionProtocolError(String type, String frame) {
        assertConnectionError(frame, ErrorCode.PROTOCOL_ERROR);
    }

    // Padding (sections 6.1 and 6.2)

    @Test
    public void dataPaddingAsLongAsThePayloadIsAProtocolError() {
        // Payload 3: the pad length byte (3) and 2 bytes; padding 3 >= payload length 3.
        assertConnectionError("000003 00 08 00000001 03 0000", ErrorCode.PROTOCOL_ERROR);
        // Padding 2 fills what follows the pad length exactly: allowed, no data.
        assertEquals(Recorder.read(bytes("000003 00 08 00000001 02 0000")), List.of("DATA 1 flow 3", "DATA end 1"));
    }

    @Test
    public void headersPaddingLongerThanWhatFollowsTheFixedFieldsIsAProtocolError() {
        assertConnectionError("000003 01 0c 00000001 03 0000", ErrorCode.PROTOCOL_ERROR);
        // With priority fields the padding may fill only what follows them.
        assertConnectionError("000008 01 2c 00000001 03 0000000f10 0000", ErrorCode.PROTOCOL_ERROR);
        assertEquals(Recorder.read(bytes("000008 01 2c 00000001 02 0000000f10 0000")),
                List.of("HEADERS 1 fragment 0 END_HEADERS", "block end 1"));
    }

    // WINDOW_UPDATE (section 6.9)

    @Test
    public void aWindowUpdateOfZeroOnAStreamIsAStreamProtocolError() {
        assertEquals(Recorder.read(bytes("000004 08 00 00000005 00000000" + PING)),
                List.of("stream 5 error PROTOCOL_ERROR", PING_EVENT));
    }

    @Test
    public void aWindowUpdateOfZeroOnTheConnectionIsAConnectionProtocolError() {
        assertConnectionError("000004 08 00 00000000 00000000", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    public void theReservedBitOfAnIncrementIsIgnored() {
        assertEquals(Recorder.read(bytes("000004 08 00 00000000 80000001")), List.of("WINDOW_UPDATE 0 +1"));
        // Only the reserved bit: an increment of 0.
        assertConnectionError("000004 08 00 00000000 80000000", ErrorCode.PROTOCOL_ERROR);
        assertEquals(Recorder.read(bytes("000004 08 00 00000001 ffffffff")), List.of("WINDOW_UPDATE 1 +2147483647"));
    }

    @Test
    public void theReservedBitOfAStreamIdIsIgnored() {
        assertEquals(Recorder.read(bytes("000008 06 00 80000000 0102030405060708")), List.of(PING_EVENT));
        assertEquals(Recorder.read(bytes("000001 00 01 80000003 61")),
                List.of("DATA 3 flow 1 END_STREAM", "data 3: 61", "DATA end 3 END_STREAM"));
        assertEquals(Recorder.read(bytes("000005 02 00 80000003 80000001ff")),
                List.of("PRIORITY 3 on 1 exclusive weight 256"));
    }

    // SETTINGS values (section 6.5.2)

    @Test
    public void enablePushOtherThanZeroOrOneIsAProtocolError() {
        assertConnectionError("000006 04 00 00000000 000200000002", ErrorCode.PROTOCOL_ERROR);
        assertEquals(Recorder.read(bytes("00000c 04 00 00000000 000200000000 000200000001")),
                List.of("SETTINGS Settings[ENABLE_PUSH=1]"));
    }

    @Test
    public void anInitialWindowSizeAbove2To31Minus1IsAFlowControlError() {
        assertConnectionError("000006 04 00 00000000 000480000000", ErrorCode.FLOW_CONTROL_ERROR);
        assertConnectionError("000006 04 00 00000000 0004ffffffff", ErrorCode.FLOW_CONTROL_ERROR);
        assertEquals(Recorder.read(bytes("000006 04 00 00000000 00047fffffff")),
                List.of("SETTINGS Settings[INITIAL_WINDOW_SIZE=2147483647]"));
    }

    @Test
    public void aMaxFrameSizeOutside2To14And2To24Minus1IsAProtocolError() {
        assertConnectionError("000006 04 00 00000000 000500003fff", ErrorCode.PROTOCOL_ERROR);
        assertConnectionError("000006 04 00 00000000 000501000000", ErrorCode.PROTOCOL_ERROR);
        assertConnectionError("000006 04 00 00000000 000500000000", ErrorCode.PROTOCOL_ERROR);
        assertEquals(Recorder.read(bytes("00000c 04 00 00000000 000500004000 000500ffffff")),
                List.of("SETTINGS Settings[MAX_FRAME_SIZE=16777215]"));
    }

    @Test
    public void unknownSettingsAreIgnored() {
        Recorder r = Recorder.feed(new FrameReader(Settings.MIN_MAX_FRAME_SIZE),
                bytes("000012 04 00 00000000 0000ffffffff 000700000005 ffff00000001"), 18);
        assertEquals(r.events, List.of("SETTINGS Settings[]"));
        for (int id = 1; id <= 6; id++) {
            assertFalse(r.settings.isSet(id), "setting " + id);
        }
    }

    // Section 5.3.1

    @Test
    public void aPriorityFrameMakingAStreamDependOnItselfIsAStreamProtocolError() {
        assertEquals(Recorder.read(bytes("000005 02 00 00000003 000000030f" + PING)),
                List.of("stream 3 error PROTOCOL_ERROR", PING_EVENT));
        assertEquals(Recorder.read(bytes("000005 02 00 00000003 000000010f")), List.of("PRIORITY 3 on 1 weight 16"));
    }

    @Test
    public void headersMakingTheStreamDependOnItselfIsAStreamErrorAndTheBlockIsStillDelivered() {
        // PRIORITY and END_HEADERS, depending on itself, exclusive, then a 2-byte fragment.
        List<String> events = Recorder.read(bytes("000007 01 24 00000003 80000003 0f 8286" + PING));
        assertEquals(events, List.of("HEADERS 3 fragment 2 END_HEADERS", "stream 3 error PROTOCOL_ERROR",
                "fragment 3: 8286", "block end 3", PING_EVENT));
    }

    // Header blocks (section 6.10)

    @Test
    public void anotherFrameInsideAHeaderBlockIsAConnectionProtocolError() {
        assertConnectionError("000001 01 00 00000001 82", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    public void aContinuationOfAnotherStreamInsideAHeaderBlockIsAConnectionProtocolError() {
        assertConnectionError("000001 01 00 00000001 82 000001 09 04 00000003 86", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    public void anUnknownFrameInsideAHeaderBlockIsAConnectionProtocolError() {
        // Section 5.5: extension frames may not interleave a header block either.
        assertConnectionError("000001 01 00 00000001 82 000000 fa 00 00000001", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    public void aContinuationWithoutAnOpenHeaderBlockIsAConnectionProtocolError() {
        assertConnectionError("000001 09 04 00000001 82", ErrorCode.PROTOCOL_ERROR);
        // The block that was open ended with END_HEADERS.
        assertConnectionError("000001 01 04 00000001 82 000001 09 04 00000001 86", ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    public void aContinuationOfTheSameStreamIsRead() {
        assertEquals(Recorder.read(bytes("000001 01 01 00000001 82 000000 09 00 00000001 000001 09 04 00000001 86")),
                List.of("HEADERS 1 fragment 1 END_STREAM", "fragment 1: 82", "CONTINUATION 1 fragment 0",
                        "CONTINUATION 1 fragment 1 END_HEADERS", "fragment 1: 86", "block end 1 END_STREAM"));
    }

    // Section 8.4

    @Test
    public void pushPromiseFromAClientIsAConnectionProtocolError() {
        assertConnectionError("000005 05 04 00000001 00000002 82", ErrorCode.PROTOCOL_ERROR);
    }

    // Section 3.4

    @Test
    public void aServerReaderRefusesABadPreface() {
        byte[] input = bytes("505249202a20485454502f312e310d0a0d0a534d0d0a0d0a"); // "PRI * HTTP/1.1..."
        Recorder r = Recorder.feed(FrameReader.server(Settings.MIN_MAX_FRAME_SIZE), input, 1);
        assertEquals(r.events, List.of("connection error PROTOCOL_ERROR"));
    }

    @Test
    public void aServerReaderWantsSettingsRightAfterThePreface() {
        byte[] preface = new byte[Preface.LENGTH];
        Preface.client().get(preface);
        Recorder r = Recorder.feed(FrameReader.server(Settings.MIN_MAX_FRAME_SIZE), concat(preface, bytes(PING)), 7);
        assertEquals(r.events, List.of("connection error PROTOCOL_ERROR"));

        r = Recorder.feed(FrameReader.server(Settings.MIN_MAX_FRAME_SIZE),
                concat(preface, bytes("000000 04 00 00000000" + PING)), 7);
        assertEquals(r.events, List.of("SETTINGS Settings[]", PING_EVENT));
    }

    @Test
    public void aFramesOnlyReaderTakesAnyFirstFrame() {
        assertEquals(Recorder.read(bytes(PING)), List.of(PING_EVENT));
    }

    @Test
    public void theReaderStaysStoppedAfterAConnectionError() throws Http2Exception {
        FrameReader reader = new FrameReader(Settings.MIN_MAX_FRAME_SIZE);
        Recorder r = Recorder.feed(reader, bytes("000005 05 04 00000001 00000002 82"), 100);
        assertEquals(r.connectionError.code(), ErrorCode.PROTOCOL_ERROR);
        assertThrows(IllegalStateException.class, () -> reader.feed(ByteBuffer.wrap(bytes(PING)), r));
    }

    @Test
    public void unknownErrorCodesReadAsInternalError() {
        assertEquals(Recorder.read(bytes("000004 03 00 00000001 0000000e")), List.of("RST_STREAM 1 INTERNAL_ERROR"));
        assertEquals(Recorder.read(bytes("000004 03 00 00000001 ffffffff")), List.of("RST_STREAM 1 INTERNAL_ERROR"));
        assertEquals(Recorder.read(bytes("000004 03 00 00000001 0000000d")), List.of("RST_STREAM 1 HTTP_1_1_REQUIRED"));
        for (ErrorCode c : ErrorCode.values()) {
            assertEquals(ErrorCode.of(c.code()), c);
        }
    }
}
