package io.loomux.bench;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.testng.Assert.assertEquals;

/**
 * The WebSocket echo load passes a faithful echo however it is framed, and fails a changed byte,
 * a wrong handshake answer and a close handshake left unanswered.
 */
public class WsEchoLoadTest {

    /** How the test's server answers. */
    private enum Way { FAITHFUL, FRAGMENTED_WITH_PINGS, CHANGED_BYTE, WRONG_ACCEPT, NO_CLOSE_ANSWER }

    /** What the server pings with, and the client's pongs must carry. */
    private static final byte[] PING = {1, 2, 3};

    private LoopbackServer server;

    @AfterMethod(alwaysRun = true)
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private int run(Way way, int size) throws Exception {
        server = LoopbackServer.start(s -> serve(s, way));
        return WsEchoLoad.run(new String[] {"127.0.0.1", Integer.toString(server.port()), "4", Integer.toString(size),
                "0", "1"});
    }

    @Test
    public void aFaithfulEchoPasses() throws Exception {
        assertEquals(run(Way.FAITHFUL, 64), 0);
    }

    @Test
    public void aFaithfulEchoWithA16BitLengthPasses() throws Exception {
        assertEquals(run(Way.FAITHFUL, 4096), 0);
    }

    @Test
    public void anEchoInFragmentsWithPingsBetweenPasses() throws Exception {
        assertEquals(run(Way.FRAGMENTED_WITH_PINGS, 300), 0);
    }

    @Test
    public void aChangedByteIsAnError() throws Exception {
        assertEquals(run(Way.CHANGED_BYTE, 64), 1);
    }

    @Test
    public void aWrongAcceptIsAnError() throws Exception {
        assertEquals(run(Way.WRONG_ACCEPT, 64), 1);
    }

    @Test
    public void anUnansweredCloseIsAnError() throws Exception {
        assertEquals(run(Way.NO_CLOSE_ANSWER, 64), 1);
    }

    @Test
    public void theAcceptValueIsTheRfcsExample() {
        // RFC 6455 §1.3.
        assertEquals(WsHandshake.acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    public void clientFramesCarryTheirLengthAndUnmaskToThePayload() {
        for (int n : new int[] {0, 1, 7, 8, 125, 126, 65535, 65536}) {
            byte[] payload = new byte[n];
            Arrays.fill(payload, (byte) 0x5A);
            for (int i = 0; i < n; i += 3) {
                payload[i] = (byte) i;
            }
            int mask = 0x12345678 + n;
            byte[] frame = WsFrames.clientFrame(WsFrames.BINARY, payload, mask);
            assertEquals(frame.length, WsFrames.clientFrameLength(n));
            assertEquals(frame[0] & 0xFF, 0x82);
            int len7 = frame[1] & 0x7F;
            int head = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
            ByteBuffer f = ByteBuffer.wrap(frame);
            long length = len7 == 126 ? f.getShort(2) & 0xFFFF : len7 == 127 ? f.getLong(2) : len7;
            assertEquals(length, n, "length of " + n);
            assertEquals(f.getInt(head), mask);
            byte[] unmasked = new byte[n];
            for (int i = 0; i < n; i++) {
                unmasked[i] = (byte) (frame[head + 4 + i] ^ frame[head + (i & 3)]);
            }
            assertEquals(unmasked, payload, "payload of " + n);
        }
    }

    // ---- the test's server: RFC 6455's server side, as little of it as the load needs ----------

    private static void serve(Socket s, Way way) {
        try (s) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String key = handshakeKey(in);
            String accept = way == Way.WRONG_ACCEPT ? WsHandshake.acceptFor(key + "x") : WsHandshake.acceptFor(key);
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // Bounded by the client: it closes within its run, ending the stream.
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                int len7 = b1 & 0x7F;
                long length = len7 == 126 ? in.readUnsignedShort() : len7 == 127 ? in.readLong() : len7;
                byte[] mask = in.readNBytes(4);
                byte[] payload = in.readNBytes((int) length);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
                if ((b0 & 0x0F) == WsFrames.PONG) {
                    if (!Arrays.equals(payload, PING)) {
                        return; // a wrong pong: the client then sees its connection closed
                    }
                    continue;
                }
                if ((b0 & 0x0F) == WsFrames.CLOSE) {
                    if (way != Way.NO_CLOSE_ANSWER) {
                        out.write(serverFrame(0x80 | WsFrames.CLOSE, payload));
                    }
                    return;
                }
                echo(out, payload, way);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void echo(OutputStream out, byte[] payload, Way way) throws IOException {
        switch (way) {
            case CHANGED_BYTE -> {
                payload[payload.length / 2] ^= 1;
                out.write(serverFrame(0x80 | WsFrames.BINARY, payload));
            }
            case FRAGMENTED_WITH_PINGS -> {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int at = 0; at < payload.length; at += 7) {
                    int opcode = at == 0 ? WsFrames.BINARY : WsFrames.CONTINUATION;
                    int end = Math.min(payload.length, at + 7);
                    all.write(serverFrame((end == payload.length ? 0x80 : 0) | opcode, Arrays.copyOfRange(payload, at, end)));
                    all.write(serverFrame(0x80 | WsFrames.PING, PING));
                }
                out.write(all.toByteArray());
            }
            default -> out.write(serverFrame(0x80 | WsFrames.BINARY, payload));
        }
    }

    /** An unmasked frame, as a server sends it. */
    private static byte[] serverFrame(int b0, byte[] payload) {
        int n = payload.length;
        ByteBuffer f = ByteBuffer.allocate(n + 10).put((byte) b0);
        if (n < 126) {
            f.put((byte) n);
        } else if (n <= 0xFFFF) {
            f.put((byte) 126).putShort((short) n);
        } else {
            f.put((byte) 127).putLong(n);
        }
        f.put(payload);
        return Arrays.copyOf(f.array(), f.position());
    }

    /** Reads the upgrade request's head and returns its Sec-WebSocket-Key. */
    private static String handshakeKey(DataInputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        // Bounded: a request head longer than 8 KiB is not this client's.
        while (head.size() < 8192) {
            head.write(in.readUnsignedByte());
            String h = head.toString(StandardCharsets.ISO_8859_1);
            if (h.endsWith("\r\n\r\n")) {
                for (String line : h.split("\r\n")) {
                    if (line.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18)) {
                        return line.substring(18).strip();
                    }
                }
                throw new IOException("no Sec-WebSocket-Key");
            }
        }
        throw new IOException("request head too long");
    }
}
