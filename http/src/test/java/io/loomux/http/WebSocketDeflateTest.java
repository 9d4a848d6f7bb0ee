package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import io.loomux.http.websocket.WebSocketSettings;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate (RFC 7692) frame by frame, from a client of exact bytes ({@link RawWs}) that
 * compresses and decompresses with {@code java.util.zip} itself, to the echo of
 * {@link WebSocketFramesTest}: the negotiation's answers in the 101, compressed messages whole
 * and in fragments both ways, and each misuse closed with its code. On every backend, in the
 * blocking style and in turns.
 */
public class WebSocketDeflateTest {

    /** RSV1 as {@link RawWs#frame} takes the RSV bits. */
    private static final int RSV1 = 4;
    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    private static final WebSocketSettings ON = WebSocketSettings.builder().permessageDeflate(true).build();

    /** A client's compressor, and the decompressor of the server's messages: one window each way. */
    private static final class Peer {
        private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        private final Inflater inflater = new Inflater(true);
        private final boolean serverNoContextTakeover;

        Peer(boolean serverNoContextTakeover) {
            this.serverNoContextTakeover = serverNoContextTakeover;
        }

        /** @return the message compressed as section 7.2.1 says: a sync flush, its tail cut */
        byte[] compress(byte[] message) {
            if (message.length == 0) {
                // A sync flush with no input yields nothing: the empty message is the head of a
                // stored block, which the receiver's tail completes (section 7.2.3.6).
                return new byte[1];
            }
            deflater.setInput(message);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            // Bounded: the output is finite; a pass that fills no buffer ends it.
            for (int i = 0; i < 100_000; i++) {
                int n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
                out.write(buf, 0, n);
                if (n < buf.length) {
                    break;
                }
            }
            byte[] all = out.toByteArray();
            assertTrue(Arrays.equals(Arrays.copyOfRange(all, all.length - 4, all.length), TAIL));
            return Arrays.copyOf(all, all.length - 4);
        }

        /** @return the server's compressed message, decompressed as section 7.2.2 says */
        byte[] decompress(byte[] payload) throws DataFormatException {
            if (serverNoContextTakeover) {
                inflater.reset();
            }
            byte[] input = Arrays.copyOf(payload, payload.length + 4);
            System.arraycopy(TAIL, 0, input, payload.length, 4);
            inflater.setInput(input);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            // Bounded: the input is finite; a pass that fills no buffer ends it.
            for (int i = 0; i < 100_000; i++) {
                int n = inflater.inflate(buf);
                out.write(buf, 0, n);
                if (n < buf.length) {
                    break;
                }
            }
            assertEquals(inflater.getRemaining(), 0, "the server's message decompressed whole");
            return out.toByteArray();
        }

        /** Reads the server's echo: compressed (RSV1) unless {@code plain}, and its bytes as sent. */
        void expectEcho(RawWs ws, int opcode, byte[] message, boolean plain) throws Exception {
            RawWs.Frame f = ws.read();
            assertEquals(f.opcode(), opcode, "the echo's opcode");
            assertTrue(f.fin(), "a message leaves as one frame");
            assertEquals(f.rsv(), plain ? 0 : RSV1, "RSV1 on a compressed message only");
            byte[] got = plain ? f.payload() : decompress(f.payload());
            assertTrue(Arrays.equals(got, message), "the echo of " + message.length + " bytes");
        }
    }

    @DataProvider
    public static Object[][] styles() {
        return WebSocketFramesTest.styles();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] json(int n, long seed) {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder(n + 32);
        String[] words = {"user", "id", "name", "message", "price", "time", "value", "ok"};
        // Bounded by n: each pass adds a few bytes.
        while (b.length() < n) {
            b.append('"').append(words[r.nextInt(words.length)]).append("\":").append(r.nextInt(1000)).append(',');
        }
        return utf8(b.substring(0, n));
    }

    // ---- the negotiation ----

    @Test(timeOut = 10_000)
    public void offByDefaultAndOnByProperty() {
        assertEquals(WebSocketSettings.defaults().permessageDeflate(), false);
        assertEquals(WebSocketSettings.defaults().deflateNoContextTakeover(), false);
        try {
            System.setProperty("loomux.ws.permessageDeflate", "true");
            System.setProperty("loomux.ws.deflateNoContextTakeover", " true ");
            assertEquals(WebSocketSettings.defaults().permessageDeflate(), true);
            assertEquals(WebSocketSettings.defaults().deflateNoContextTakeover(), true);
            assertEquals(WebSocketSettings.builder().permessageDeflate(false).build().permessageDeflate(), false);
            System.setProperty("loomux.ws.permessageDeflate", "yes");
            assertThrows(IllegalArgumentException.class, WebSocketSettings::defaults);
        } finally {
            System.clearProperty("loomux.ws.permessageDeflate");
            System.clearProperty("loomux.ws.deflateNoContextTakeover");
        }
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void theAnswerInThe101FollowsTheOffers(Impl impl, String style) throws Exception {
        String[][] offersAndAnswers = {
            {"permessage-deflate", "permessage-deflate"},
            {"permessage-deflate; client_max_window_bits", "permessage-deflate"},
            {"permessage-deflate; client_no_context_takeover; server_no_context_takeover",
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
            {"permessage-deflate; server_max_window_bits=15", "permessage-deflate; server_max_window_bits=15"},
            // Deflater cannot keep a window under 15 bits: that offer is declined, the next taken.
            {"permessage-deflate; server_max_window_bits=10, permessage-deflate; client_no_context_takeover",
                "permessage-deflate; client_no_context_takeover"},
            {"permessage-deflate; server_max_window_bits=10", null},
            {"permessage-deflate; no_such_parameter", null},
            {"x-webkit-deflate-frame, permessage-deflate", "permessage-deflate"},
            {"x-webkit-deflate-frame", null},
        };
        WebSocketFramesTest.serve(impl, style, ON, port -> {
            for (String[] oa : offersAndAnswers) {
                try (RawWs ws = RawWs.open(port, "/echo", oa[0])) {
                    assertEquals(ws.handshake().field("Sec-WebSocket-Extensions"), oa[1], "the answer to " + oa[0]);
                }
            }
            try (RawWs ws = RawWs.open(port, "/echo")) {
                assertNull(ws.handshake().field("Sec-WebSocket-Extensions"), "no offer, no answer");
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void offThereIsNoAnswerAndRsv1Closes1002(Impl impl, String style) throws Exception {
        WebSocketFramesTest.serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                assertNull(ws.handshake().field("Sec-WebSocket-Extensions"), "deflate is off by default");
                ws.frame(true, RSV1, RawWs.TEXT, true, new Peer(false).compress(utf8("hello")), false);
                ws.expectClose(1002);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void theServerAsksForNoContextTakeoverWhenSetTo(Impl impl, String style) throws Exception {
        WebSocketSettings settings = WebSocketSettings.builder().permessageDeflate(true)
                .deflateNoContextTakeover(true).build();
        WebSocketFramesTest.serve(impl, style, settings, port -> {
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                assertEquals(ws.handshake().field("Sec-WebSocket-Extensions"),
                        "permessage-deflate; server_no_context_takeover");
                Peer peer = new Peer(true);
                // Each compressed answer must decompress with an empty window: the peer resets.
                for (int i = 0; i < 5; i++) {
                    byte[] m = json(2000, 1);
                    ws.frame(true, RSV1, RawWs.TEXT, true, peer.compress(m), false);
                    peer.expectEcho(ws, RawWs.TEXT, m, false);
                }
                // Under 32 bytes a message would not shrink with an empty window: it goes plain.
                byte[] tiny = utf8("{\"ok\":1}");
                ws.frame(true, RSV1, RawWs.TEXT, true, peer.compress(tiny), false);
                peer.expectEcho(ws, RawWs.TEXT, tiny, true);
            }
        });
    }

    // ---- messages both ways ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void compressedMessagesAreDecodedAndEchoedCompressed(Impl impl, String style) throws Exception {
        WebSocketFramesTest.serve(impl, style, ON, port -> {
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate; client_max_window_bits")) {
                assertEquals(ws.handshake().field("Sec-WebSocket-Extensions"), "permessage-deflate");
                Peer peer = new Peer(false);
                byte[][] messages = {utf8("héllo, wörld €"), json(10, 2), json(4000, 3), json(4000, 3), new byte[0],
                    random(300_000, 4), json(1 << 20, 5)};
                for (int i = 0; i < messages.length; i++) {
                    int opcode = i % 2 == 0 ? RawWs.TEXT : RawWs.BINARY;
                    ws.frame(true, RSV1, opcode, true, peer.compress(messages[i]), false);
                    peer.expectEcho(ws, opcode, messages[i], false);
                }
                // An uncompressed message is still a message; the echo goes compressed.
                byte[] plain = json(500, 6);
                ws.frame(RawWs.BINARY, plain);
                peer.expectEcho(ws, RawWs.BINARY, plain, false);
                // Context takeover: a repeat compresses to a fraction of the first time.
                byte[] again = json(4000, 7);
                int first = peer.compress(again).length;
                int second = peer.compress(again).length;
                assertTrue(second * 10 < first, "the window holds the last message: " + first + " then " + second);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aCompressedMessageInFragmentsWithAPingBetween(Impl impl, String style) throws Exception {
        WebSocketFramesTest.serve(impl, style, ON, port -> {
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                Peer peer = new Peer(false);
                byte[] m = utf8("ü€😀 fragments ".repeat(3000));
                byte[] c = peer.compress(m);
                int a = c.length / 3;
                int b = 2 * c.length / 3;
                ws.frame(false, RSV1, RawWs.TEXT, true, Arrays.copyOfRange(c, 0, a), false);
                ws.frame(false, 0, 0, true, Arrays.copyOfRange(c, a, b), true);
                ws.frame(RawWs.PING, utf8("between"));
                RawWs.Frame pong = ws.read();
                assertEquals(pong.opcode(), RawWs.PONG);
                assertEquals(pong.rsv(), 0, "control frames are never compressed");
                ws.frame(true, 0, 0, true, Arrays.copyOfRange(c, b, c.length), false);
                peer.expectEcho(ws, RawWs.TEXT, m, false);
                // And a message split inside a multi-byte character, one byte a frame at its end.
                byte[] t = utf8("€".repeat(10));
                byte[] ct = peer.compress(t);
                ws.frame(false, RSV1, RawWs.TEXT, true, Arrays.copyOf(ct, ct.length - 1), false);
                ws.frame(true, 0, 0, true, Arrays.copyOfRange(ct, ct.length - 1, ct.length), false);
                peer.expectEcho(ws, RawWs.TEXT, t, false);
            }
        });
    }

    // ---- misuse ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void rsv1WhereItMayNotBeCloses1002(Impl impl, String style) throws Exception {
        WebSocketFramesTest.serve(impl, style, ON, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                // On, but not offered: nothing agreed.
                ws.frame(true, RSV1, RawWs.TEXT, true, new Peer(false).compress(utf8("hello")), false);
                ws.expectClose(1002);
            }
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                byte[] c = new Peer(false).compress(utf8("hello there"));
                ws.frame(false, RSV1, RawWs.TEXT, true, Arrays.copyOf(c, 3), false);
                ws.frame(true, RSV1, 0, true, Arrays.copyOfRange(c, 3, c.length), false);
                ws.expectClose(1002);
            }
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                ws.frame(true, RSV1, RawWs.PING, true, new byte[0], false);
                ws.expectClose(1002);
            }
            for (int rsv : new int[] {1, 2, 3, 5, 6, 7}) {
                try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                    ws.frame(true, rsv, RawWs.BINARY, true, new Peer(false).compress(utf8("x")), false);
                    ws.expectClose(1002);
                }
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void badCompressedDataCloses1007(Impl impl, String style) throws Exception {
        WebSocketFramesTest.serve(impl, style, ON, port -> {
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                // A block of the reserved type 3.
                ws.frame(true, RSV1, RawWs.BINARY, true, new byte[] {0x06, 1, 2, 3}, false);
                ws.expectClose(1007);
            }
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                // Well compressed, but not UTF-8 once decompressed.
                ws.frame(true, RSV1, RawWs.TEXT, true, new Peer(false).compress(new byte[] {'a', (byte) 0xC3}), false);
                ws.expectClose(1007);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aSmallMessageInflatingPastTheLimitCloses1009(Impl impl, String style) throws Exception {
        WebSocketSettings small = WebSocketSettings.builder().permessageDeflate(true).maxMessageSize(4096).build();
        WebSocketFramesTest.serve(impl, style, small, port -> {
            try (RawWs ws = RawWs.open(port, "/echo", "permessage-deflate")) {
                Peer peer = new Peer(false);
                byte[] fits = new byte[4096];
                ws.frame(true, RSV1, RawWs.BINARY, true, peer.compress(fits), false);
                peer.expectEcho(ws, RawWs.BINARY, fits, false);
                // DEFLATE shrinks a run of zeros about a thousandfold: 2 MiB in about 2 KiB.
                byte[] bomb = peer.compress(new byte[2 << 20]);
                assertTrue(bomb.length < 4096, "the compressed message is small: " + bomb.length);
                ws.frame(true, RSV1, RawWs.BINARY, true, bomb, false);
                ws.expectClose(1009);
            }
        });
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
