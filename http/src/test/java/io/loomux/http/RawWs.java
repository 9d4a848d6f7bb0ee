package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client of exact bytes, for the frame-level tests: it writes frames as told (masked
 * or not, any bits, any length form, whole or a byte per write) and reads the server's frames
 * strictly (a server frame must be unmasked and its length in the shortest form). Over one
 * {@link Socket} to 127.0.0.1; every read has a timeout, and nothing it reads may exceed 16 MiB.
 */
final class RawWs implements Closeable {

    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CLOSE = 8;
    static final int PING = 9;
    static final int PONG = 10;

    private static final int READ_TIMEOUT_MS = 10_000;
    private static final long MAX_PAYLOAD = 16 << 20;

    /** A frame the server sent. */
    record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
        /** @return the code of a Close, or -1 if it had none */
        int closeCode() {
            return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** A response head. */
    record Head(int status, Map<String, String> fields) {
        /** @return the first value of a field, by its name in lower case, or null */
        String field(String name) {
            return fields.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private Head handshake;

    private RawWs(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** @return a client connected to the port, nothing sent yet */
    static RawWs connect(int port) throws IOException {
        return new RawWs(port);
    }

    /** @return a client whose opening handshake on {@code path} succeeded (101 checked) */
    static RawWs open(int port, String path) throws IOException {
        return open(port, path, null);
    }

    /**
     * @param extensions the {@code Sec-WebSocket-Extensions} offered, or null for none
     * @return a client whose opening handshake on {@code path} succeeded (101 checked); its
     *         {@link #handshake()} holds the 101
     */
    static RawWs open(int port, String path, String extensions) throws IOException {
        RawWs ws = connect(port);
        String key = "dGhlIHNhbXBsZSBub25jZQ==";
        ws.send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
                + (extensions == null ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n") + "\r\n");
        Head h = ws.readHead();
        assertEquals(h.status(), 101, "the handshake: " + h);
        // RFC 6455 section 1.3's own example.
        assertEquals(h.field("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        ws.handshake = h;
        return ws;
    }

    /** @return the 101 of {@link #open}, or null */
    Head handshake() {
        return handshake;
    }

    /** Sends text as is (a request head). */
    void send(String ascii) throws IOException {
        out.write(ascii.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Reads a response head: its status line and fields (the first value of each). */
    Head readHead() throws IOException {
        String status = line();
        String[] parts = status.split(" ", 3);
        Map<String, String> fields = new LinkedHashMap<>();
        // Bounded: at most 100 fields.
        for (int i = 0; i < 100; i++) {
            String l = line();
            if (l.isEmpty()) {
                return new Head(Integer.parseInt(parts[1]), fields);
            }
            int colon = l.indexOf(':');
            fields.putIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
        }
        throw new IOException("too many fields");
    }

    /** Reads a response body of the head's Content-Length. */
    String readBody(Head h) throws IOException {
        return new String(in.readNBytes(Integer.parseInt(h.field("Content-Length"))), StandardCharsets.UTF_8);
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        // Bounded: at most 8 KiB.
        for (int i = 0; i < 8192; i++) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the connection ended inside a line: " + b);
            }
            if (c == '\n') {
                int n = b.length();
                return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
            }
            b.append((char) c);
        }
        throw new IOException("line too long");
    }

    /** Sends a masked frame with FIN set and no RSV bits. */
    void frame(int opcode, byte[] payload) throws IOException {
        frame(true, 0, opcode, true, payload, false);
    }

    /** Sends a masked text frame with FIN set. */
    void text(String s) throws IOException {
        frame(TEXT, s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends a frame exactly as told.
     *
     * @param fin        FIN
     * @param rsv        the RSV bits, 0..7
     * @param opcode     the opcode, 0..15
     * @param masked     whether to mask (a client must)
     * @param payload    the payload, unmasked
     * @param byteByByte one write per byte
     */
    void frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload, boolean byteByByte) throws IOException {
        byte[] head = head(fin, rsv, opcode, masked, payload.length);
        int mask = ThreadLocalRandom.current().nextInt();
        byte[] body = payload.clone();
        if (masked) {
            ByteBuffer.wrap(head, head.length - 4, 4).putInt(mask);
            for (int i = 0; i < body.length; i++) {
                body[i] ^= (byte) (mask >>> (24 - 8 * (i & 3)));
            }
        }
        if (byteByByte) {
            for (byte b : head) {
                out.write(b);
                out.flush();
            }
            for (byte b : body) {
                out.write(b);
                out.flush();
            }
        } else {
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            out.write(all);
            out.flush();
        }
    }

    /** Sends only a frame's head: a masked data frame declaring {@code length} bytes. */
    void headOnly(int opcode, long length) throws IOException {
        byte[] h = head(true, 0, opcode, true, length);
        out.write(h);
        out.flush();
    }

    /** The shortest head for the length, the mask key left zero for the caller. */
    private static byte[] head(boolean fin, int rsv, int opcode, boolean masked, long length) {
        int extra = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
        ByteBuffer h = ByteBuffer.allocate(2 + extra + (masked ? 4 : 0));
        h.put((byte) ((fin ? 0x80 : 0) | (rsv << 4) | opcode));
        int m = masked ? 0x80 : 0;
        if (extra == 0) {
            h.put((byte) (m | length));
        } else if (extra == 2) {
            h.put((byte) (m | 126)).putShort((short) length);
        } else {
            h.put((byte) (m | 127)).putLong(length);
        }
        return h.array();
    }

    /** Sends raw bytes. */
    void raw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** Reads one server frame, strictly: unmasked, its length in the shortest form. */
    Frame read() throws IOException {
        int b0 = readByte();
        int b1 = readByte();
        assertEquals(b1 & 0x80, 0, "a server frame must not be masked");
        long length = b1 & 0x7F;
        if (length == 126) {
            length = ((readByte() << 8) | readByte());
            assertTrue(length >= 126, "a 16-bit length for " + length + " bytes");
        } else if (length == 127) {
            length = ByteBuffer.wrap(in.readNBytes(8)).getLong();
            assertTrue(length > 0xFFFF && length <= MAX_PAYLOAD, "a 64-bit length of " + length);
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length != length) {
            throw new EOFException("the connection ended inside a frame");
        }
        return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0F, payload);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the connection ended");
        }
        return b;
    }

    /** Reads the server's Close, checks its code, and that the server then ends the connection. */
    void expectClose(int code) throws IOException {
        Frame f = read();
        assertEquals(f.opcode(), CLOSE, "a Close, not opcode " + f.opcode() + " (" + f.payload().length + " bytes)");
        assertEquals(f.closeCode(), code, "the close code; reason: " + new String(f.payload(), StandardCharsets.UTF_8));
        expectEnd();
    }

    /** Checks that the server ends the connection: what it sends next is the end of the stream. */
    void expectEnd() throws IOException {
        try {
            assertEquals(in.read(), -1, "the server should have closed the connection");
        } catch (java.net.SocketException reset) {
            // A reset ends it too.
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
