package io.loomux.bench.soak;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A soak client's messages to an HTTP/2 server, over whichever stream pair its connection gives:
 * a plain socket's for h2c with prior knowledge, or a TLS socket's once ALPN chose {@value #ALPN}
 * ({@link Wire#http2}); the frames are the same. Each message is
 * the body of a POST on a stream of its own, and the answer is that stream's response body. The
 * frames are written here by hand (the header block as literals RFC 7541 section 6.2.2 spells
 * out, never Huffman), so every byte sent is the soak's to choose; a response's status is read
 * from its header block's first byte, which is how a server says {@code 200} in one byte
 * (static table index 8), and anything else is a bad answer. Blocking, for one thread.
 */
final class H2Messages {

    /** HTTP/2 over TLS's name in ALPN (RFC 9113 section 3.2). */
    static final String ALPN = "h2";
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    /** The largest frame payload the client sends, and accepts (the protocol's default). */
    private static final int MAX_FRAME = 16_384;
    /** Frames read for one answer at the most: a message is at most 16 KiB, in frames of one byte or more. */
    private static final int MAX_FRAMES_PER_ANSWER = 100_000;

    private final DataInputStream in;
    private final OutputStream out;
    private final String scheme;
    private final String authority;
    private int nextStream = 1;
    private int stream;

    /**
     * @param in        the connection's input, plain or decrypted
     * @param out       the connection's output, plain or to be encrypted; flushed by the caller
     * @param scheme    the requests' {@code :scheme}: {@code http} for h2c, {@code https} over TLS
     * @param authority the requests' {@code :authority}
     */
    H2Messages(InputStream in, OutputStream out, String scheme, String authority) {
        this.in = new DataInputStream(in);
        this.out = out;
        this.scheme = scheme;
        this.authority = authority;
    }

    /** The connection's first bytes: the preface and an empty SETTINGS. */
    void open() throws IOException {
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0], 0, 0);
    }

    /**
     * Sends the first {@code upTo} bytes of a message as a request on a new stream.
     *
     * @param split send the body in DATA frames of varying sizes and without a content-length
     */
    void send(byte[] body, int upTo, boolean split) throws IOException {
        stream = nextStream;
        nextStream += 2;
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", "POST");
        literal(block, ":scheme", scheme);
        literal(block, ":authority", authority);
        literal(block, ":path", "/echo");
        if (!split) {
            literal(block, "content-length", Integer.toString(body.length));
        }
        byte[] b = block.toByteArray();
        frame(HEADERS, END_HEADERS | (body.length == 0 ? END_STREAM : 0), stream, b, 0, b.length);
        int size = split ? 1 + body.length % 3001 : MAX_FRAME;
        for (int at = 0; at < upTo; at += size) {
            int n = Math.min(size, upTo - at);
            frame(DATA, at + n == body.length ? END_STREAM : 0, stream, body, at, n);
        }
    }

    /**
     * Reads the answer to the last message: its stream's response, whole.
     *
     * @return the response body
     * @throws Wire.BadAnswer if the server answered other than 200, or broke the protocol
     * @throws IOException    if the stream was reset, the server said GOAWAY, or the connection ended
     */
    byte[] receive() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean head = false;
        for (int i = 0; i < MAX_FRAMES_PER_ANSWER; i++) {
            byte[] h = new byte[9];
            readFully(h);
            int length = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | (h[2] & 0xff);
            if (length > MAX_FRAME) {
                throw new Wire.BadAnswer("a frame of " + length + " bytes, over the default maximum");
            }
            int type = h[3] & 0xff;
            int flags = h[4] & 0xff;
            int id = ByteBuffer.wrap(h, 5, 4).getInt() & Integer.MAX_VALUE;
            byte[] payload = new byte[length];
            readFully(payload);
            switch (type) {
                case SETTINGS -> {
                    if ((flags & ACK) == 0) {
                        frame(SETTINGS, ACK, 0, new byte[0], 0, 0);
                    }
                }
                case PING -> {
                    if ((flags & ACK) == 0) {
                        frame(PING, ACK, 0, payload, 0, payload.length);
                    }
                }
                case WINDOW_UPDATE -> {
                    // The client's messages stay within the windows the server gives at the start.
                }
                case GOAWAY -> throw new IOException("GOAWAY from the server, code "
                        + (payload.length >= 8 ? ByteBuffer.wrap(payload, 4, 4).getInt() : -1));
                case RST_STREAM -> {
                    if (id == stream) {
                        throw new IOException("stream " + id + " reset by the server, code "
                                + (payload.length >= 4 ? ByteBuffer.wrap(payload).getInt() : -1));
                    }
                }
                case HEADERS -> {
                    if (id != stream) {
                        throw new Wire.BadAnswer("HEADERS on stream " + id + ", the message went on " + stream);
                    }
                    if (length == 0 || (payload[0] & 0xff) != 0x88) {
                        throw new Wire.BadAnswer("a response head that is not :status 200 on stream " + id);
                    }
                    head = true;
                    if ((flags & END_STREAM) != 0) {
                        return body.toByteArray();
                    }
                }
                case DATA -> {
                    if (id != stream || !head) {
                        throw new Wire.BadAnswer("DATA on stream " + id + (head ? "" : " before its head")
                                + ", the message went on " + stream);
                    }
                    body.write(payload, 0, length);
                    if (length > 0) {
                        windowUpdate(0, length);
                        if ((flags & END_STREAM) == 0) {
                            windowUpdate(stream, length);
                        }
                    }
                    if ((flags & END_STREAM) != 0) {
                        return body.toByteArray();
                    }
                }
                default -> {
                    // Other frames carry nothing for this client.
                }
            }
        }
        throw new Wire.BadAnswer("over " + MAX_FRAMES_PER_ANSWER + " frames without the answer's end");
    }

    private void readFully(byte[] b) throws IOException {
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new EOFException("connection ended inside an HTTP/2 answer");
        }
    }

    private void windowUpdate(int id, int increment) throws IOException {
        byte[] p = ByteBuffer.allocate(4).putInt(increment).array();
        frame(WINDOW_UPDATE, 0, id, p, 0, 4);
    }

    private void frame(int type, int flags, int id, byte[] payload, int off, int len) throws IOException {
        byte[] h = new byte[9];
        h[0] = (byte) (len >>> 16);
        h[1] = (byte) (len >>> 8);
        h[2] = (byte) len;
        h[3] = (byte) type;
        h[4] = (byte) flags;
        ByteBuffer.wrap(h, 5, 4).putInt(id);
        out.write(h);
        out.write(payload, off, len);
    }

    /** A literal field without indexing, a new name, no Huffman. */
    private static void literal(ByteArrayOutputStream b, String name, String value) {
        b.write(0x00);
        string(b, name);
        string(b, value);
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            b.write(n);
        }
        b.writeBytes(bytes);
    }
}
