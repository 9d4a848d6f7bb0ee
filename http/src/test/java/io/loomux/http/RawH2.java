package io.loomux.http;

import com.sun.net.httpserver.HttpServer;
import io.loomux.http.internal.hpack.HpackDecoder;
import io.loomux.http.internal.hpack.HpackException;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw HTTP/2 client over one socket to 127.0.0.1, for the tests that need exact frames on the
 * wire: it writes what it is told, frame by frame, with header blocks it encodes itself as
 * literals (so a request reaches the server exactly as written, and shares no encoding code with
 * it), and reads frames with a strict parser. Response header blocks are decoded with the
 * server's HPACK decoder, which has RFC 7541's vectors for tests of its own. Every read has a
 * socket timeout, so nothing waits for ever.
 */
public final class RawH2 implements Closeable {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** The largest frame this client accepts, so a broken server cannot exhaust memory. */
    private static final int MAX_FRAME = 1 << 24;

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int PRIORITY = 0x2;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    static final int PADDED = 0x8;

    // Error codes, RFC 9113 section 7.
    static final int NO_ERROR = 0x0;
    static final int PROTOCOL_ERROR = 0x1;
    static final int INTERNAL_ERROR = 0x2;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int SETTINGS_TIMEOUT = 0x4;
    static final int STREAM_CLOSED = 0x5;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int COMPRESSION_ERROR = 0x9;
    static final int ENHANCE_YOUR_CALM = 0xb;

    /** One frame as read. */
    record Frame(int type, int flags, int stream, byte[] payload) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** @return the 32-bit word at {@code at} of the payload */
        int word(int at) {
            return ByteBuffer.wrap(payload, at, 4).getInt();
        }

        /** @return the error code of an RST_STREAM or GOAWAY */
        int errorCode() {
            return word(type == GOAWAY ? 4 : 0);
        }

        @Override
        public String toString() {
            return "frame[type " + type + ", flags " + flags + ", stream " + stream + ", " + payload.length + " bytes"
                    + (type == GOAWAY || type == RST_STREAM ? ", code " + errorCode() : "") + "]";
        }
    }

    /** A response as read: its status and fields, its body, and how its stream ended. */
    public record Response(int status, Map<String, List<String>> fields, byte[] body, int resetCode) {
        String first(String name) {
            List<String> v = fields.get(name);
            return v == null ? null : v.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20, 10_000);

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    /** @return a client connected to the started server, nothing sent yet */
    static RawH2 connect(HttpServer server) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort());
        s.setSoTimeout((int) READ_TIMEOUT.toMillis());
        s.setTcpNoDelay(true);
        return new RawH2(s);
    }

    /**
     * @param socket connected by the caller (over TLS, handshaken with h2 agreed), its reads
     *               timing out
     * @return a client on the socket, nothing sent yet
     */
    static RawH2 over(Socket socket) throws IOException {
        return new RawH2(socket);
    }

    /**
     * Connects, sends the preface and an empty SETTINGS, and reads the server's SETTINGS (acking
     * it) up to the ack of ours.
     *
     * @return the client, ready for requests
     */
    public static RawH2 open(HttpServer server) throws IOException {
        RawH2 c = connect(server);
        c.preface();
        c.settings();
        c.handshake();
        return c;
    }

    /** @return the server's settings, read up to the ack of ours, each acked */
    Map<Integer, Long> handshake() throws IOException {
        Map<Integer, Long> settings = new LinkedHashMap<>();
        boolean acked = false;
        boolean got = false;
        // Bounded: the server sends one SETTINGS, one ack and maybe a WINDOW_UPDATE first.
        for (int i = 0; i < 10 && !(acked && got); i++) {
            Frame f = read();
            if (f.type() == SETTINGS && f.has(ACK)) {
                acked = true;
            } else if (f.type() == SETTINGS) {
                got = true;
                for (int at = 0; at + 6 <= f.payload().length; at += 6) {
                    ByteBuffer b = ByteBuffer.wrap(f.payload(), at, 6);
                    settings.put(b.getShort() & 0xffff, b.getInt() & 0xffffffffL);
                }
                frame(SETTINGS, ACK, 0, new byte[0]);
            }
        }
        if (!(acked && got)) {
            throw new IOException("no SETTINGS and ack from the server");
        }
        return settings;
    }

    void preface() throws IOException {
        out.write(PREFACE);
    }

    /** Sends SETTINGS with the given (id, value) pairs. */
    void settings(int... idsAndValues) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(idsAndValues.length / 2 * 6);
        for (int i = 0; i < idsAndValues.length; i += 2) {
            b.putShort((short) idsAndValues[i]).putInt(idsAndValues[i + 1]);
        }
        frame(SETTINGS, 0, 0, b.array());
    }

    /** Writes one frame as given: the test decides whether it is valid. */
    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        ByteBuffer.wrap(f, 5, 4).putInt(stream);
        System.arraycopy(payload, 0, f, 9, payload.length);
        out.write(f);
    }

    void raw(byte[] bytes) throws IOException {
        out.write(bytes);
    }

    void ping(long data) throws IOException {
        frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    void windowUpdate(int stream, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    void rst(int stream, int code) throws IOException {
        frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    void data(int stream, byte[] body, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, body);
    }

    /** Sends a request head as one HEADERS frame; fields as name, value, name, value... */
    void headers(int stream, boolean endStream, String... namesAndValues) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(namesAndValues));
    }

    /** A GET of {@code path} with the usual pseudo-header fields, ending the stream. */
    public void get(int stream, String path) throws IOException {
        headers(stream, true, ":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", path);
    }

    /**
     * A header block of literals without indexing, new names, no Huffman (RFC 7541 section
     * 6.2.2): the bytes say exactly what was written.
     */
    static byte[] block(String... namesAndValues) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.write(0x00);
            literal(b, namesAndValues[i]);
            literal(b, namesAndValues[i + 1]);
        }
        return b.toByteArray();
    }

    private static void literal(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        // A 7-bit prefix integer, Huffman flag off.
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
        b.write(bytes, 0, bytes.length);
    }

    /** @return the next frame, within the read timeout */
    Frame read() throws IOException {
        byte[] h = new byte[9];
        in.readFully(h);
        int length = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | (h[2] & 0xff);
        if (length > MAX_FRAME) {
            throw new IOException("frame of " + length + " bytes");
        }
        int stream = ByteBuffer.wrap(h, 5, 4).getInt() & Integer.MAX_VALUE;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(h[3] & 0xff, h[4] & 0xff, stream, payload);
    }

    /** @return the next frame that is not a PING ack, SETTINGS ack or WINDOW_UPDATE */
    Frame readSignificant() throws IOException {
        // Bounded by the read timeout: the server sends a bounded number of housekeeping frames.
        for (int i = 0; i < 10_000; i++) {
            Frame f = read();
            if (!(f.type() == WINDOW_UPDATE || (f.type() == SETTINGS && f.has(ACK)) || (f.type() == PING && f.has(ACK)))) {
                return f;
            }
        }
        throw new IOException("only housekeeping frames");
    }

    /**
     * Reads until the stream's response is whole (END_STREAM) or reset; frames of other streams
     * are not expected.
     */
    public Response response(int stream) throws IOException {
        return responses(List.of(stream)).get(stream);
    }

    /** Reads until each stream's response is whole or reset, in whatever order they come. */
    Map<Integer, Response> responses(List<Integer> streams) throws IOException {
        Map<Integer, Integer> status = new LinkedHashMap<>();
        Map<Integer, Map<String, List<String>>> fields = new LinkedHashMap<>();
        Map<Integer, ByteArrayOutputStream> bodies = new LinkedHashMap<>();
        Map<Integer, Response> done = new LinkedHashMap<>();
        for (int s : streams) {
            bodies.put(s, new ByteArrayOutputStream());
            fields.put(s, new LinkedHashMap<>());
        }
        // Bounded by the read timeout and the frame count.
        for (int i = 0; i < 1_000_000 && done.size() < streams.size(); i++) {
            Frame f = read();
            int s = f.stream();
            switch (f.type()) {
                case HEADERS -> {
                    if (!f.has(END_HEADERS)) {
                        throw new IOException("this client does not take CONTINUATION: " + f);
                    }
                    Map<String, List<String>> m = fields.get(s);
                    if (m == null) {
                        throw new IOException("HEADERS on stream " + s + ", not asked for");
                    }
                    try {
                        decoder.decode(ByteBuffer.wrap(f.payload()), (n, v) -> m.computeIfAbsent(n, k -> new ArrayList<>()).add(v));
                    } catch (HpackException e) {
                        throw new IOException(e);
                    }
                    if (m.containsKey(":status")) {
                        status.put(s, Integer.parseInt(m.get(":status").get(0)));
                    }
                    if (f.has(END_STREAM)) {
                        done.put(s, new Response(status.getOrDefault(s, -1), m, bodies.get(s).toByteArray(), -1));
                    }
                }
                case DATA -> {
                    ByteArrayOutputStream b = bodies.get(s);
                    if (b == null) {
                        throw new IOException("DATA on stream " + s + ", not asked for");
                    }
                    b.write(f.payload());
                    if (f.payload().length > 0) {
                        windowUpdate(0, f.payload().length);
                        if (!f.has(END_STREAM)) {
                            windowUpdate(s, f.payload().length);
                        }
                    }
                    if (f.has(END_STREAM)) {
                        done.put(s, new Response(status.getOrDefault(s, -1), fields.get(s), b.toByteArray(), -1));
                    }
                }
                case RST_STREAM -> {
                    if (!done.containsKey(s)) {
                        done.put(s, new Response(status.getOrDefault(s, -1), fields.get(s),
                                bodies.get(s).toByteArray(), f.errorCode()));
                    }
                }
                case GOAWAY -> throw new IOException("GOAWAY while reading responses: " + f);
                default -> {
                    // Settings acks, pings and window updates go on.
                }
            }
        }
        return done;
    }

    /**
     * Reads until the server closes the connection, within the read timeout.
     *
     * @return the GOAWAY it sent first, or null if it sent none
     */
    Frame readToClose() throws IOException {
        Frame goAway = null;
        // Bounded by the read timeout and the frame count.
        for (int i = 0; i < 100_000; i++) {
            Frame f;
            try {
                f = read();
            } catch (EOFException e) {
                return goAway;
            } catch (SocketTimeoutException e) {
                throw new IOException("the server did not close the connection within " + READ_TIMEOUT, e);
            } catch (IOException e) {
                // A reset after the close: what was read is the answer.
                return goAway;
            }
            if (f.type() == GOAWAY && goAway == null) {
                goAway = f;
            }
        }
        throw new IOException("the server sent frames without end");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
