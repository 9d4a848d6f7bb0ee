package io.loomux.http.internal.h2;

import org.testng.annotations.Test;

import java.nio.ByteBuffer;

import static io.loomux.http.internal.h2.Hex.bytes;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/** The six settings: defaults, validation both ways, encoding, applying a delta. */
public class SettingsTest {

    @Test
    public void defaultsAreThoseOfRfc9113() {
        Settings s = new Settings();
        assertEquals(s.headerTableSize(), 4096);
        assertTrue(s.enablePush());
        assertEquals(s.maxConcurrentStreams(), Settings.UNLIMITED);
        assertEquals(s.initialWindowSize(), 65_535);
        assertEquals(s.maxFrameSize(), 16_384);
        assertEquals(s.maxHeaderListSize(), Settings.UNLIMITED);
        assertEquals(s.encodedLength(), 0, "defaults are not sent");
    }

    @Test
    public void receivedValuesAreCheckedWithTheirCodes() throws Http2Exception {
        Settings s = new Settings();
        assertCode(s, Settings.ENABLE_PUSH, 2, ErrorCode.PROTOCOL_ERROR);
        assertCode(s, Settings.INITIAL_WINDOW_SIZE, 1L << 31, ErrorCode.FLOW_CONTROL_ERROR);
        assertCode(s, Settings.MAX_FRAME_SIZE, (1 << 14) - 1, ErrorCode.PROTOCOL_ERROR);
        assertCode(s, Settings.MAX_FRAME_SIZE, 1 << 24, ErrorCode.PROTOCOL_ERROR);
        assertEquals(s.toString(), "Settings[]", "a refused value is not kept");
        s.received(Settings.ENABLE_PUSH, 0);
        s.received(Settings.INITIAL_WINDOW_SIZE, Integer.MAX_VALUE);
        s.received(Settings.MAX_FRAME_SIZE, (1 << 24) - 1);
        s.received(Settings.HEADER_TABLE_SIZE, Settings.UNLIMITED);
        s.received(0, 5);
        s.received(7, 5);
        s.received(0xffff, 5);
        assertEquals(s.toString(), "Settings[HEADER_TABLE_SIZE=4294967295, ENABLE_PUSH=0, "
                + "INITIAL_WINDOW_SIZE=2147483647, MAX_FRAME_SIZE=16777215]");
    }

    private static void assertCode(Settings s, int id, long value, ErrorCode code) {
        Http2Exception e = expectThrows(Http2Exception.class, () -> s.received(id, value));
        assertEquals(e.code(), code);
        assertTrue(e.isConnectionError());
    }

    @Test
    public void ourOwnValuesAreCheckedToo() {
        Settings s = new Settings();
        assertThrows(IllegalArgumentException.class, () -> s.set(Settings.ENABLE_PUSH, 2));
        assertThrows(IllegalArgumentException.class, () -> s.set(Settings.MAX_FRAME_SIZE, 100));
        assertThrows(IllegalArgumentException.class, () -> s.set(Settings.INITIAL_WINDOW_SIZE, -1));
        assertThrows(IllegalArgumentException.class, () -> s.set(9, 1));
    }

    @Test
    public void applyingADeltaCopiesOnlyWhatItSet() throws Http2Exception {
        Settings peer = new Settings();
        peer.received(Settings.MAX_FRAME_SIZE, 1 << 20);
        peer.received(Settings.INITIAL_WINDOW_SIZE, 10);
        Settings delta = new Settings();
        delta.received(Settings.INITIAL_WINDOW_SIZE, 65_535);
        delta.received(Settings.MAX_CONCURRENT_STREAMS, 7);
        peer.apply(delta);
        assertEquals(peer.maxFrameSize(), 1 << 20, "untouched by a delta that did not set it");
        assertEquals(peer.initialWindowSize(), 65_535, "set back to the default value");
        assertEquals(peer.maxConcurrentStreams(), 7);
        assertTrue(peer.isSet(Settings.INITIAL_WINDOW_SIZE));
        assertFalse(peer.isSet(Settings.HEADER_TABLE_SIZE));
    }

    @Test
    public void encodeAndDecodeRoundTrip() throws Http2Exception {
        Settings ours = new Settings().set(Settings.MAX_CONCURRENT_STREAMS, 100)
                .set(Settings.INITIAL_WINDOW_SIZE, 1 << 20).set(Settings.ENABLE_PUSH, 0);
        ByteBuffer payload = ByteBuffer.allocate(ours.encodedLength());
        ours.encode(payload);
        assertEquals(payload.array(), bytes("000200000000 000300000064 000400100000"));
        Settings back = Settings.decode(payload.flip());
        assertEquals(back.toString(), "Settings[ENABLE_PUSH=0, MAX_CONCURRENT_STREAMS=100, INITIAL_WINDOW_SIZE=1048576]");
    }

    @Test
    public void decodingAPayloadChecksItsLengthAndValues() {
        Http2Exception e = expectThrows(Http2Exception.class, () -> Settings.decode(ByteBuffer.wrap(bytes("00030000"))));
        assertEquals(e.code(), ErrorCode.FRAME_SIZE_ERROR);
        e = expectThrows(Http2Exception.class, () -> Settings.decode(ByteBuffer.wrap(bytes("000200000005"))));
        assertEquals(e.code(), ErrorCode.PROTOCOL_ERROR);
    }
}
