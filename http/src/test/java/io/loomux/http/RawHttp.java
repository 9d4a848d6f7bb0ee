package io.loomux.http;

import com.sun.net.httpserver.HttpServer;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.testng.Assert.assertEquals;

/**
 * A raw HTTP/1.1 client over one {@link Socket} to 127.0.0.1, for the tests that need exact bytes
 * on the wire: pipelining, malformed requests, interim responses. It sends what it is given as
 * is, and reads responses with a strict parser: a body framed by Content-Length, by chunked
 * coding (extensions and trailer parsed), or running until the connection closes. Every read has
 * a socket timeout, so nothing waits for ever.
 */
final class RawHttp implements Closeable {

    /** How long one read waits by default. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    /** The largest line or body this client accepts, so a broken server cannot exhaust memory. */
    private static final int MAX_BYTES = 16 * 1024 * 1024;
    /** The most header fields (or trailer fields) this client accepts in one response. */
    private static final int MAX_FIELDS = 500;
    /** The most interim (1xx) responses skipped before a final one. */
    private static final int MAX_INTERIM = 10;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new java.io.BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * @param server a started server bound to 127.0.0.1
     * @return a client connected to it, reads timing out after {@link #READ_TIMEOUT}
     */
    static RawHttp connect(HttpServer server) throws IOException {
        return connect(server.getAddress().getPort());
    }

    /**
     * @param port a port on 127.0.0.1
     * @return a client connected to it, reads timing out after {@link #READ_TIMEOUT}
     */
    static RawHttp connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.setSoTimeout((int) READ_TIMEOUT.toMillis());
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) READ_TIMEOUT.toMillis());
            return new RawHttp(s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** @return the client's local port, which the server sees as the remote port */
    int localPort() {
        return socket.getLocalPort();
    }

    /** @param timeout how long each read may wait from now on */
    void readTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
    }

    /** Sends the text as ISO-8859-1 bytes, in one write. */
    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends the bytes in one write. */
    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** @return a GET request for the path with a Host header, as HTTP/1.1 */
    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** @return a request with a Content-Length body, as HTTP/1.1 */
    static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                + body.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n\r\n" + body;
    }

    /**
     * Reads the next response, interim ones included, to a request that was not HEAD.
     *
     * @return the response
     * @throws EOFException           if the connection ends before the response does
     * @throws SocketTimeoutException if a read waits longer than the timeout
     */
    Response read() throws IOException {
        return read(false);
    }

    /**
     * Reads the next response, interim ones included.
     *
     * @param toHead whether it answers a HEAD request (which has no body whatever its head says)
     * @return the response
     */
    Response read(boolean toHead) throws IOException {
        Head h = readHead();
        byte[] body;
        Map<String, List<String>> trailers = Map.of();
        boolean chunked = false;
        boolean untilClose = false;
        String te = h.header("Transfer-Encoding");
        String cl = h.header("Content-Length");
        if (toHead || h.status < 200 || h.status == 204 || h.status == 304) {
            body = new byte[0];
        } else if (te != null) {
            if (!te.trim().equalsIgnoreCase("chunked")) {
                throw new IOException("unexpected Transfer-Encoding in a response: " + te);
            }
            chunked = true;
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            trailers = readChunked(b);
            body = b.toByteArray();
        } else if (cl != null) {
            long n = Long.parseLong(cl.trim());
            if (n < 0 || n > MAX_BYTES) {
                throw new IOException("Content-Length out of range: " + cl);
            }
            body = readExactly((int) n);
        } else {
            untilClose = true;
            body = readUntilClose();
        }
        return new Response(h.version, h.status, h.reason, h.headers, body, chunked, untilClose, trailers);
    }

    /**
     * Reads the next response, to a request that was not HEAD, and checks its status.
     *
     * @param status the status it must have
     * @return the response
     */
    Response read(int status) throws IOException {
        Response r = read();
        assertEquals(r.status(), status, r.toString());
        return r;
    }

    /**
     * Sends a GET of the path and reads the response, checking its status.
     *
     * @return the response
     */
    Response get(String path, int status) throws IOException {
        send(get(path));
        return read(status);
    }

    /** @return the next final (non-1xx) response to a request that was not HEAD */
    Response readFinal() throws IOException {
        for (int i = 0; i < MAX_INTERIM; i++) {
            Response r = read();
            if (r.status() >= 200) {
                return r;
            }
        }
        throw new IOException("more than " + MAX_INTERIM + " interim responses");
    }

    /**
     * Reads a status line and header fields, and nothing of the body.
     *
     * @return the head
     */
    Head readHead() throws IOException {
        String status = readLine();
        if (status == null) {
            throw new EOFException("the connection closed before a response");
        }
        if (!status.startsWith("HTTP/1.") || status.length() < 12 || status.charAt(8) != ' ') {
            throw new IOException("bad status line: '" + status + "'");
        }
        int code;
        try {
            code = Integer.parseInt(status.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: '" + status + "'", e);
        }
        String reason = status.length() > 13 ? status.substring(13) : "";
        Map<String, List<String>> headers = readFields();
        return new Head(status.substring(0, 8), code, reason, headers);
    }

    private Map<String, List<String>> readFields() throws IOException {
        Map<String, List<String>> fields = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i <= MAX_FIELDS; i++) {
            String line = readLine();
            if (line == null) {
                throw new EOFException("the connection closed inside a response head");
            }
            if (line.isEmpty()) {
                return fields;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: '" + line + "'");
            }
            fields.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        throw new IOException("more than " + MAX_FIELDS + " fields in a response head");
    }

    private Map<String, List<String>> readChunked(ByteArrayOutputStream body) throws IOException {
        // Every chunk but the last adds at least one byte, and the body is at most MAX_BYTES.
        for (int chunks = 0; chunks <= MAX_BYTES; chunks++) {
            String line = readLine();
            if (line == null) {
                throw new EOFException("the connection closed inside a chunked body");
            }
            int semi = line.indexOf(';');
            String hex = (semi >= 0 ? line.substring(0, semi) : line).trim();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size line: '" + line + "'", e);
            }
            if (size < 0 || body.size() + (long) size > MAX_BYTES) {
                throw new IOException("chunk size out of range: '" + line + "'");
            }
            if (size == 0) {
                return readFields();
            }
            body.write(readExactly(size));
            String end = readLine();
            if (end == null || !end.isEmpty()) {
                throw new IOException("no CRLF after a chunk's data: '" + end + "'");
            }
        }
        throw new IOException("more than " + MAX_BYTES + " chunks");
    }

    /**
     * Reads one line ended by CRLF (or a bare LF), without its end.
     *
     * @return the line as ISO-8859-1 text, or null if the connection ended before any byte of it
     */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int i = 0; i < MAX_BYTES; i++) {
            int c = in.read();
            if (c < 0) {
                if (line.size() == 0) {
                    return null;
                }
                throw new EOFException("the connection closed inside a line: '" + latin1(line.toByteArray()) + "'");
            }
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int n = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        throw new IOException("a line longer than " + MAX_BYTES + " bytes");
    }

    /** @return exactly n bytes */
    byte[] readExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("the connection closed after " + b.length + " of " + n + " body bytes");
        }
        return b;
    }

    /** @return every byte until the connection closes (a reset after some bytes counts as the end) */
    byte[] readUntilClose() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int i = 0; i <= MAX_BYTES / buf.length; i++) {
            int n;
            try {
                n = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (SocketException e) {
                // A reset ends the stream as a close does.
                return b.toByteArray();
            }
            if (n < 0) {
                return b.toByteArray();
            }
            b.write(buf, 0, n);
        }
        throw new IOException("more than " + MAX_BYTES + " bytes before the close");
    }

    /**
     * Waits for the server to close the connection, with no further byte before it.
     *
     * @param wait how long to wait
     * @return true if the connection ended (end of stream or reset) within the wait with nothing
     *     more read; false if it stayed open that long, or a byte arrived
     */
    boolean closedByPeer(Duration wait) throws IOException {
        return watch(wait, () -> {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                // Connection reset: the server closed with bytes of ours unread.
                return true;
            }
        });
    }

    /** @return true if the server closed the connection within {@link #READ_TIMEOUT} */
    boolean closedByPeer() throws IOException {
        return closedByPeer(READ_TIMEOUT);
    }

    /**
     * Checks that the server sends nothing for a while (and keeps the connection open).
     *
     * @param wait how long to watch
     * @return true if no byte arrived and the connection stayed open for the whole wait
     */
    boolean silentFor(Duration wait) throws IOException {
        return watch(wait, () -> {
            in.mark(1);
            try {
                // A byte, or the end of the stream: either way the server did not stay silent.
                in.read();
                in.reset();
                return false;
            } catch (SocketTimeoutException e) {
                return true;
            } catch (SocketException e) {
                return false;
            }
        });
    }

    /** A look at the connection that reads with a timeout of its own. */
    @FunctionalInterface
    private interface Watch {
        boolean look() throws IOException;
    }

    /** Runs the look with reads timing out after the wait, then restores the timeout before it. */
    private boolean watch(Duration wait, Watch look) throws IOException {
        int before = socket.getSoTimeout();
        readTimeout(wait);
        try {
            return look.look();
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(before);
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * A status line and header fields.
     *
     * @param version e.g. HTTP/1.1
     * @param status  the status code
     * @param reason  the reason phrase, maybe empty
     * @param headers the fields, names case-insensitive
     */
    record Head(String version, int status, String reason, Map<String, List<String>> headers) {
        /** @return the first value of the field, or null */
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /**
     * A response.
     *
     * @param version    e.g. HTTP/1.1
     * @param status     the status code
     * @param reason     the reason phrase, maybe empty
     * @param headers    the fields, names case-insensitive
     * @param body       the body, decoded if chunked
     * @param chunked    whether the body was chunked
     * @param untilClose whether the body ran until the connection closed
     * @param trailers   the chunked body's trailer fields
     */
    record Response(String version, int status, String reason, Map<String, List<String>> headers, byte[] body,
                    boolean chunked, boolean untilClose, Map<String, List<String>> trailers) {

        /** @return the first value of the field, or null */
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        /** @return every value of the field */
        List<String> headerValues(String name) {
            List<String> v = headers.get(name);
            return v == null ? List.of() : Collections.unmodifiableList(v);
        }

        /** @return the body as ISO-8859-1 text */
        String text() {
            return latin1(body);
        }

        /** @return whether the server said it closes the connection */
        boolean saysClose() {
            for (String v : headerValues("Connection")) {
                for (String t : v.split(",")) {
                    if (t.trim().equalsIgnoreCase("close")) {
                        return true;
                    }
                }
            }
            return false;
        }

        @Override
        public String toString() {
            String b = text();
            return version + " " + status + " " + reason + " " + headers + " body=" + (b.length() > 200
                    ? b.substring(0, 200) + "..." : b);
        }
    }
}
