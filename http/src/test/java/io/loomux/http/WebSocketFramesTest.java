package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.loomux.http.websocket.Message;
import io.loomux.http.websocket.MessageListener;
import io.loomux.http.websocket.WebSocket;
import io.loomux.http.websocket.WebSocketSettings;
import io.loomux.http.websocket.WebSockets;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * RFC 6455 sections 5 to 7, frame by frame, from a client of exact bytes ({@link RawWs}) to an
 * echo served by {@link WebSockets#handler}: every rule a server must keep, each broken rule
 * answered by a Close with its exact code and the end of the connection. On every backend, in
 * the blocking style and in turns.
 */
public class WebSocketFramesTest {

    /** A test's part: what it does over connections to the server's port. */
    @FunctionalInterface
    interface RawTest {
        void run(int port) throws Exception;
    }

    /**
     * Echoes each message, but for a text {@code close CODE REASON}, which closes the WebSocket
     * from the server's side with that code and reason.
     */
    static void echo(WebSocket ws) throws IOException {
        // Bounded by the client: each pass takes a message, and the close ends it.
        for (Message m; (m = ws.receive()) != null; ) {
            if (!command(ws, m)) {
                ws.send(m);
            }
        }
    }

    /**
     * {@code close CODE REASON} closes the WebSocket on this thread; {@code close-elsewhere CODE}
     * on another thread, while this one goes on (to {@code receive()}, or to wait armed).
     *
     * @return whether the message was a command
     */
    private static boolean command(WebSocket ws, Message m) throws IOException {
        if (!(m instanceof Message.Text t)) {
            return false;
        }
        String[] p = t.text().split(" ", 3);
        switch (p[0]) {
            case "close" -> ws.close(Integer.parseInt(p[1]), p[2]);
            case "close-elsewhere" -> Thread.ofVirtual().start(() -> {
                try {
                    ws.close(Integer.parseInt(p[1]), "");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            default -> {
                return false;
            }
        }
        return true;
    }

    /** As {@link #echo}, in turns. */
    static final MessageListener ECHO = (ws, m) -> {
        if (!command(ws, m)) {
            ws.send(m);
        }
    };

    /** @return every loomux backend, served in the blocking style and in turns */
    @DataProvider
    public static Object[][] styles() {
        return HttpProviders.loomuxWith(new Object[] {"blocking"}, new Object[] {"turns"});
    }

    /** @return the echo in the style */
    static HttpHandler echo(String style, WebSocketSettings settings) {
        return style.equals("turns") ? WebSockets.listener(settings, ECHO)
                : WebSockets.handler(settings, WebSocketFramesTest::echo);
    }

    static void serve(Impl impl, String style, WebSocketSettings settings, RawTest test) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        server.createContext("/echo", echo(style, settings));
        server.start();
        try {
            test.run(server.getAddress().getPort());
        } finally {
            server.stop(0);
        }
    }

    static void serve(Impl impl, String style, RawTest test) throws Exception {
        serve(impl, style, WebSocketSettings.defaults(), test);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static void assertEcho(RawWs ws, int opcode, byte[] payload) throws IOException {
        RawWs.Frame f = ws.read();
        assertEquals(f.opcode(), opcode, "the echo's opcode");
        assertTrue(f.fin(), "a message leaves as one frame");
        assertEquals(f.rsv(), 0);
        assertTrue(Arrays.equals(f.payload(), payload), "the echo of " + payload.length + " bytes");
    }

    // ---- framing and lengths ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void lengthsOfEveryFormBothWays(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                // 7-bit (0..125), 16-bit (126..65535), 64-bit (65536 and on), at each edge.
                for (int n : new int[] {0, 1, 125, 126, 127, 65_535, 65_536, 300_000, 1 << 20}) {
                    byte[] b = random(n, n);
                    ws.frame(RawWs.BINARY, b);
                    assertEcho(ws, RawWs.BINARY, b);
                    byte[] t = "é".repeat(n / 2).getBytes(StandardCharsets.UTF_8);
                    ws.frame(RawWs.TEXT, t);
                    assertEcho(ws, RawWs.TEXT, t);
                }
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void framesWrittenAByteAtATime(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                byte[] small = "a byte at a time".getBytes(StandardCharsets.UTF_8);
                ws.frame(true, 0, RawWs.TEXT, true, small, true);
                assertEcho(ws, RawWs.TEXT, small);
                byte[] mid = random(300, 3);
                ws.frame(true, 0, RawWs.BINARY, true, mid, true);
                assertEcho(ws, RawWs.BINARY, mid);
                ws.frame(true, 0, RawWs.PING, true, bytes(1, 2, 3), true);
                RawWs.Frame pong = ws.read();
                assertEquals(pong.opcode(), RawWs.PONG);
                assertEquals(pong.payload(), bytes(1, 2, 3));
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aFrameInTheSameWriteAsTheHandshakeIsServed(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.connect(port)) {
                byte[] head = ("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1);
                // The frame: masked "hi" with the mask 0 (so the masked bytes are the text).
                byte[] frame = bytes(0x81, 0x82, 0, 0, 0, 0, 'h', 'i');
                byte[] both = Arrays.copyOf(head, head.length + frame.length);
                System.arraycopy(frame, 0, both, head.length, frame.length);
                ws.raw(both);
                assertEquals(ws.readHead().status(), 101);
                assertEcho(ws, RawWs.TEXT, "hi".getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aLengthWithItsTopBitSetCloses1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.raw(bytes(0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0));
                ws.expectClose(1002);
            }
        });
    }

    // ---- masking, reserved bits, opcodes ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void anUnmaskedClientFrameCloses1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(true, 0, RawWs.TEXT, false, "naked".getBytes(StandardCharsets.US_ASCII), false);
                ws.expectClose(1002);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void reservedBitsWithNoExtensionClose1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            for (int rsv = 1; rsv <= 7; rsv++) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(true, rsv, RawWs.TEXT, true, "x".getBytes(StandardCharsets.US_ASCII), false);
                    ws.expectClose(1002);
                }
            }
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(true, 4, RawWs.PING, true, new byte[0], false);
                ws.expectClose(1002);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void unknownOpcodesClose1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            for (int op : new int[] {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(true, 0, op, true, bytes(1), false);
                    ws.expectClose(1002);
                }
            }
        });
    }

    // ---- control frames and fragmentation ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void pingsArePongedWithTheirPayloadAndPongsSkipped(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                byte[] p = random(125, 7);
                ws.frame(RawWs.PING, p);
                RawWs.Frame pong = ws.read();
                assertEquals(pong.opcode(), RawWs.PONG);
                assertEquals(pong.payload(), p);
                ws.frame(RawWs.PING, new byte[0]);
                assertEquals(ws.read().payload().length, 0);
                ws.frame(RawWs.PONG, bytes(9, 9));
                ws.text("after an unsolicited pong");
                assertEcho(ws, RawWs.TEXT, "after an unsolicited pong".getBytes(StandardCharsets.US_ASCII));
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void fragmentsAreJoinedWithControlFramesBetween(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(false, 0, RawWs.TEXT, true, "Hel".getBytes(StandardCharsets.US_ASCII), false);
                ws.frame(RawWs.PING, bytes('p'));
                ws.frame(false, 0, 0, true, "lo".getBytes(StandardCharsets.US_ASCII), false);
                ws.frame(RawWs.PONG, bytes('q'));
                ws.frame(false, 0, 0, true, new byte[0], false);
                ws.frame(true, 0, 0, true, ", world".getBytes(StandardCharsets.US_ASCII), false);
                RawWs.Frame pong = ws.read();
                assertEquals(pong.opcode(), RawWs.PONG, "the Ping between fragments is answered at once");
                assertEquals(pong.payload(), bytes('p'));
                assertEcho(ws, RawWs.TEXT, "Hello, world".getBytes(StandardCharsets.US_ASCII));
                byte[] big = random(200_000, 11);
                ws.frame(false, 0, RawWs.BINARY, true, Arrays.copyOfRange(big, 0, 70_000), false);
                ws.frame(false, 0, 0, true, Arrays.copyOfRange(big, 70_000, 70_001), false);
                ws.frame(true, 0, 0, true, Arrays.copyOfRange(big, 70_001, big.length), false);
                assertEcho(ws, RawWs.BINARY, big);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void fragmentedOrLongControlFramesClose1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            for (int op : new int[] {RawWs.PING, RawWs.PONG, RawWs.CLOSE}) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(false, 0, op, true, op == RawWs.CLOSE ? bytes(3, 232) : bytes(1), false);
                    ws.expectClose(1002);
                }
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    byte[] p = new byte[126];
                    p[0] = 3;
                    p[1] = (byte) 232;
                    ws.frame(true, 0, op, true, p, false);
                    ws.expectClose(1002);
                }
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aContinuationWithNothingToContinueCloses1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(true, 0, 0, true, bytes('x'), false);
                ws.expectClose(1002);
            }
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.text("whole");
                assertEcho(ws, RawWs.TEXT, "whole".getBytes(StandardCharsets.US_ASCII));
                ws.frame(false, 0, 0, true, bytes('x'), false);
                ws.expectClose(1002);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aNewMessageInsideAFragmentedOneCloses1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            for (int op : new int[] {RawWs.TEXT, RawWs.BINARY}) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(false, 0, RawWs.BINARY, true, bytes(1), false);
                    ws.frame(true, 0, op, true, bytes('a'), false);
                    ws.expectClose(1002);
                }
            }
        });
    }

    // ---- UTF-8 ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void invalidUtf8TextCloses1007(Impl impl, String style) throws Exception {
        int[][] bad = {
                {0xC0, 0x80},             // overlong NUL
                {0xE0, 0x80, 0xAF},       // overlong '/'
                {0xED, 0xA0, 0x80},       // a surrogate
                {0xF4, 0x90, 0x80, 0x80}, // past U+10FFFF
                {0xFF},
                {0x80},                   // a continuation with no start
                {'a', 0xE2, 0x82},        // ends inside a code point
                {0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69,
                        0x74, 0x65, 0x64},
        };
        serve(impl, style, port -> {
            for (int[] b : bad) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(RawWs.TEXT, bytes(b));
                    ws.expectClose(1007);
                }
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void utf8IsCheckedAcrossFragments(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            // A valid code point split over three frames, and a 4-byte one over two: served.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(false, 0, RawWs.TEXT, true, bytes(0xE2), false);
                ws.frame(false, 0, 0, true, bytes(0x82), false);
                ws.frame(false, 0, 0, true, bytes(0xAC, 0xF0, 0x9F), false);
                ws.frame(true, 0, 0, true, bytes(0x98, 0x80), false);
                assertEcho(ws, RawWs.TEXT, "€😀".getBytes(StandardCharsets.UTF_8));
            }
            // A valid first fragment, an invalid second.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(false, 0, RawWs.TEXT, true, "fine".getBytes(StandardCharsets.US_ASCII), false);
                ws.frame(true, 0, 0, true, bytes(0xFF), false);
                ws.expectClose(1007);
            }
            // A code point broken across frames: the second frame's first byte cannot continue it.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(false, 0, RawWs.TEXT, true, bytes(0xE2), false);
                ws.frame(true, 0, 0, true, bytes(0x28, 0xA1), false);
                ws.expectClose(1007);
            }
            // Fails at once, before the message ends: the first fragment is already hopeless.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(false, 0, RawWs.TEXT, true, bytes('o', 'k', 0xC0, 0xAF), false);
                ws.expectClose(1007);
            }
            // The last fragment ends inside a code point.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(false, 0, RawWs.TEXT, true, bytes('a'), false);
                ws.frame(true, 0, 0, true, bytes(0xF0, 0x9F, 0x98), false);
                ws.expectClose(1007);
            }
        });
    }

    // ---- closing ----

    private static byte[] close(int code, byte... reason) {
        byte[] p = new byte[2 + reason.length];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(reason, 0, p, 2, reason.length);
        return p;
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void validCloseCodesAreEchoed(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                    3999, 4000, 4999}) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(RawWs.CLOSE, close(code, "bye".getBytes(StandardCharsets.US_ASCII)));
                    ws.expectClose(code);
                }
            }
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(RawWs.CLOSE, new byte[0]);
                RawWs.Frame f = ws.read();
                assertEquals(f.opcode(), RawWs.CLOSE);
                assertEquals(f.payload().length, 0, "a Close without a code is answered by one without");
                ws.expectEnd();
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void invalidOrReservedCloseCodesClose1002(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65_535}) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.frame(RawWs.CLOSE, close(code));
                    ws.expectClose(1002);
                }
            }
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(RawWs.CLOSE, bytes(3));
                ws.expectClose(1002);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aCloseReasonThatIsNotUtf8Closes1007(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(RawWs.CLOSE, close(1000, (byte) 'o', (byte) 0xED, (byte) 0xA0, (byte) 0x80));
                ws.expectClose(1007);
            }
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(RawWs.CLOSE, close(1000, (byte) 0xE2, (byte) 0x82));
                ws.expectClose(1007);
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void theServerStartsTheCloseHandshake(Impl impl, String style) throws Exception {
        serve(impl, style, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.text("close 4001 asked");
                // A message sent before the client saw the Close is dropped, not answered.
                ws.text("in flight");
                RawWs.Frame f = ws.read();
                assertEquals(f.opcode(), RawWs.CLOSE);
                assertEquals(f.closeCode(), 4001);
                assertEquals(new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8), "asked");
                ws.frame(RawWs.CLOSE, close(4001));
                ws.expectEnd();
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aPeerThatNeverAnswersTheCloseIsClosedAfterTheTimeout(Impl impl, String style) throws Exception {
        Duration timeout = Duration.ofMillis(400);
        WebSocketSettings s = WebSocketSettings.builder().closeTimeout(timeout).build();
        serve(impl, style, s, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.text("close 1000 done");
                long start = System.nanoTime();
                RawWs.Frame f = ws.read();
                assertEquals(f.closeCode(), 1000);
                ws.expectEnd();
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(took >= timeout.toMillis() - 50, "closed after " + took + " ms, before the close timeout");
            }
        });
    }

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aCloseFromAnotherThreadEndsTheConnectionAfterTheTimeout(Impl impl, String style) throws Exception {
        Duration timeout = Duration.ofMillis(400);
        serve(impl, style, WebSocketSettings.builder().closeTimeout(timeout).build(), port -> {
            // Answered: the thread that reads (in receive(), or the next turn) takes the client's Close.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.text("close-elsewhere 4003");
                RawWs.Frame f = ws.read();
                assertEquals(f.closeCode(), 4003);
                ws.frame(RawWs.CLOSE, close(4003));
                ws.expectEnd();
            }
            // Never answered: closed after the timeout all the same.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.text("close-elsewhere 4004");
                long start = System.nanoTime();
                assertEquals(ws.read().closeCode(), 4004);
                ws.expectEnd();
                long took = (System.nanoTime() - start) / 1_000_000;
                assertTrue(took >= timeout.toMillis() - 50, "closed after " + took + " ms, before the close timeout");
            }
        });
    }

    // ---- limits ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void aMessageOverTheLimitCloses1009(Impl impl, String style) throws Exception {
        WebSocketSettings s = WebSocketSettings.builder().maxMessageSize(1000).maxFrameSize(800).build();
        serve(impl, style, s, port -> {
            try (RawWs ws = RawWs.open(port, "/echo")) {
                byte[] max = random(1000, 5);
                ws.frame(false, 0, RawWs.BINARY, true, Arrays.copyOf(max, 500), false);
                ws.frame(true, 0, 0, true, Arrays.copyOfRange(max, 500, 1000), false);
                assertEcho(ws, RawWs.BINARY, max);
                ws.frame(RawWs.BINARY, random(800, 6));
                assertEcho(ws, RawWs.BINARY, random(800, 6));
                ws.frame(false, 0, RawWs.TEXT, true, "a".repeat(600).getBytes(StandardCharsets.US_ASCII), false);
                ws.frame(true, 0, 0, true, "b".repeat(401).getBytes(StandardCharsets.US_ASCII), false);
                ws.expectClose(1009);
            }
            // A frame over the frame limit.
            try (RawWs ws = RawWs.open(port, "/echo")) {
                ws.frame(RawWs.BINARY, new byte[801]);
                ws.expectClose(1009);
            }
            // Judged by the declared length alone: nothing of the payload is sent, or awaited.
            for (long declared : new long[] {1001, 70_000, 1L << 40, Long.MAX_VALUE}) {
                try (RawWs ws = RawWs.open(port, "/echo")) {
                    ws.headOnly(RawWs.BINARY, declared);
                    ws.expectClose(1009);
                }
            }
        });
    }

    // ---- idle and send timeouts ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void anIdlePeerIsPingedAtHalfTheIdleTimeoutAndClosedAtItsEnd(Impl impl, String style) throws Exception {
        HttpProviders.require(impl);
        // A short HTTP idle timeout makes the reaper tick every 50 ms.
        HttpServer server = Servers.withSettings(impl, HttpServerSettings.builder().idleTimeout(Duration.ofMillis(500)).build());
        Duration idle = Duration.ofMillis(800);
        server.createContext("/echo", echo(style, WebSocketSettings.builder().idleTimeout(idle).build()));
        server.start();
        try (RawWs ws = RawWs.open(server.getAddress().getPort(), "/echo")) {
            ws.text("hi");
            assertEcho(ws, RawWs.TEXT, "hi".getBytes(StandardCharsets.US_ASCII));
            long heard = System.nanoTime();
            RawWs.Frame ping = ws.read();
            assertEquals(ping.opcode(), RawWs.PING, "a Ping at half the idle timeout");
            long quiet = (System.nanoTime() - heard) / 1_000_000;
            assertTrue(quiet >= idle.toMillis() / 2 - 50, "pinged after " + quiet + " ms");
            // The Pong counts as hearing from the peer: the next is another Ping, not the close.
            ws.frame(RawWs.PONG, ping.payload());
            assertEquals(ws.read().opcode(), RawWs.PING);
            RawWs.Frame close = ws.read();
            assertEquals(close.opcode(), RawWs.CLOSE);
            assertEquals(close.closeCode(), 1001, "closed as going away once idle for the whole timeout");
            ws.frame(RawWs.CLOSE, close(1001));
            ws.expectEnd();
        } finally {
            server.stop(0);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 60_000)
    public void aSendThePeerDoesNotReadFailsAfterTheSendTimeout(Impl impl) throws Exception {
        HttpProviders.require(impl);
        CompletableFuture<IOException> failed = new CompletableFuture<>();
        AtomicBoolean openAfter = new AtomicBoolean(true);
        HttpServer server = impl.server();
        server.createContext("/flood", WebSockets.handler(
                WebSocketSettings.builder().sendTimeout(Duration.ofMillis(500)).build(), ws -> {
                    ws.receive();
                    byte[] mib = new byte[1 << 20];
                    try {
                        // Bounded: the peer reads nothing, so the socket's buffers fill long before.
                        for (int i = 0; i < 10_000; i++) {
                            ws.sendBinary(mib);
                        }
                        failed.complete(null);
                    } catch (IOException e) {
                        openAfter.set(ws.isOpen());
                        failed.complete(e);
                    }
                }));
        server.start();
        try (RawWs ws = RawWs.open(server.getAddress().getPort(), "/flood")) {
            long start = System.nanoTime();
            ws.text("flood");
            IOException e = failed.get(30, TimeUnit.SECONDS);
            assertTrue(e != null, "10 GiB went to a peer that read nothing");
            assertTrue(System.nanoTime() - start >= Duration.ofMillis(450).toNanos(), "failed before the send timeout");
            assertFalse(openAfter.get(), "a send cut short closes the WebSocket");
        } finally {
            server.stop(0);
        }
    }

    // ---- the server's stop ----

    @Test(dataProvider = "styles", timeOut = 60_000)
    public void theServersStopClosesWith1001AndWaitsForTheHandshake(Impl impl, String style) throws Exception {
        HttpProviders.require(impl);
        HttpServer server = impl.server();
        server.createContext("/echo", echo(style, WebSocketSettings.defaults()));
        server.start();
        try (RawWs ws = RawWs.open(server.getAddress().getPort(), "/echo")) {
            ws.text("open");
            assertEcho(ws, RawWs.TEXT, "open".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            Thread stop = Thread.ofVirtual().start(() -> server.stop(30));
            RawWs.Frame f = ws.read();
            assertEquals(f.opcode(), RawWs.CLOSE);
            assertEquals(f.closeCode(), 1001);
            ws.frame(RawWs.CLOSE, close(1001));
            ws.expectEnd();
            assertTrue(stop.join(Duration.ofSeconds(20)), "stop waits for the close handshake, not its whole delay");
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
        } finally {
            server.stop(0);
        }
    }
}
