package io.loomux.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP side of the benchmarks' own clients: the request they send to a hello server and the
 * check of its answer, {@code 200} with {@code Content-Length: 14} and the body
 * {@code Hello, world!\n}, on a connection kept alive. Every server of the HTTP cases answers so
 * (loomux's {@code hello}, the JDK's, Netty, Helidon, robaho, nginx); the other headers differ
 * (Date, Server, Connection) and are not checked.
 */
final class HelloResponse {

    /** {@code GET /} as wrk sends it, kept alive (HTTP/1.1's default). */
    static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] BODY = "Hello, world!\n".getBytes(StandardCharsets.US_ASCII);
    /** A head longer than this is an error rather than a reason to wait for more. */
    static final int MAX_HEAD = 4096;

    private static final byte[] STATUS = ascii("HTTP/1.1 200 ");
    /** Header names as they are compared: lower case, with the colon. */
    private static final byte[] CONTENT_LENGTH = ascii("content-length:");
    private static final byte[] CONNECTION = ascii("connection:");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding:");

    private HelloResponse() {
    }

    /**
     * The length of the first whole response in {@code buf} (from its position to its limit,
     * which are left as they were), after checking it. Reads the bytes in place, without
     * allocating: a fixed-rate load calls it for every answer, on the load's one CPU.
     *
     * @return its length in bytes, or -1 if the buffer does not hold a whole one yet
     * @throws IOException if it is not the hello answer on a kept-alive connection
     */
    static int length(ByteBuffer buf) throws IOException {
        int from = buf.position();
        int to = buf.limit();
        int headEnd = -1;
        for (int i = from; i + 3 < to; i++) {
            if (buf.get(i) == '\r' && buf.get(i + 1) == '\n' && buf.get(i + 2) == '\r' && buf.get(i + 3) == '\n') {
                headEnd = i + 4;
                break;
            }
        }
        if (headEnd < 0) {
            if (to - from > MAX_HEAD) {
                throw new IOException("no end of the response head in " + MAX_HEAD + " bytes");
            }
            return -1;
        }
        if (!startsWith(buf, from, STATUS, false)) {
            throw new IOException("not a 200 response: " + line(buf, from));
        }
        int length = -1;
        // Each header line, from the one after the status line to the blank line.
        for (int line = next(buf, from); line < headEnd - 2; line = next(buf, line)) {
            if (startsWith(buf, line, CONTENT_LENGTH, true)) {
                length = 0;
                for (int i = skipSpaces(buf, line + CONTENT_LENGTH.length); buf.get(i) != '\r'; i++) {
                    int d = buf.get(i) - '0';
                    if (d < 0 || d > 9 || length > 1 << 20) {
                        throw new IOException("a bad Content-Length: " + line(buf, line));
                    }
                    length = length * 10 + d;
                }
            } else if (startsWith(buf, line, CONNECTION, true)
                    && startsWith(buf, skipSpaces(buf, line + CONNECTION.length), CLOSE, true)) {
                throw new IOException("the server closes the connection (Connection: close)");
            } else if (startsWith(buf, line, TRANSFER_ENCODING, true)) {
                throw new IOException("a body not of a fixed length: " + line(buf, line));
            }
        }
        if (length != BODY.length) {
            throw new IOException("Content-Length " + length + ", not " + BODY.length);
        }
        if (to - headEnd < length) {
            return -1;
        }
        if (!startsWith(buf, headEnd, BODY, false)) {
            throw new IOException("a body other than the hello");
        }
        return headEnd + length - from;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether the bytes at {@code at} are {@code prefix} (lower case), ignoring case if asked. */
    private static boolean startsWith(ByteBuffer buf, int at, byte[] prefix, boolean ignoreCase) {
        if (buf.limit() - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            int b = buf.get(at + i);
            if (ignoreCase && b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Where the line after the one at {@code at} begins (the head is known to end in CRLF CRLF). */
    private static int next(ByteBuffer buf, int at) {
        int i = at;
        while (buf.get(i) != '\n') {
            i++;
        }
        return i + 1;
    }

    private static int skipSpaces(ByteBuffer buf, int at) {
        int i = at;
        while (buf.get(i) == ' ' || buf.get(i) == '\t') {
            i++;
        }
        return i;
    }

    /** The line at {@code at}, for a message. */
    private static String line(ByteBuffer buf, int at) {
        int end = next(buf, at) - 2;
        return StandardCharsets.ISO_8859_1.decode(buf.duplicate().limit(Math.max(at, end)).position(at)).toString();
    }
}
