package io.loomux.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

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

    private static final byte[] STATUS = "HTTP/1.1 200 ".getBytes(StandardCharsets.US_ASCII);

    private HelloResponse() {
    }

    /**
     * The length of the first whole response in {@code buf} (from its position to its limit,
     * which are left as they were), after checking it.
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
        String head = StandardCharsets.ISO_8859_1.decode(buf.duplicate().limit(headEnd).position(from)).toString();
        if (!head.startsWith(new String(STATUS, StandardCharsets.US_ASCII))) {
            throw new IOException("not a 200 response: " + head.lines().findFirst().orElse(""));
        }
        int length = -1;
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                length = Integer.parseInt(value);
            } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                throw new IOException("the server closes the connection (Connection: close)");
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("a body in " + value + " encoding, not of a fixed length");
            }
        }
        if (length != BODY.length) {
            throw new IOException("Content-Length " + length + ", not " + BODY.length);
        }
        if (to - headEnd < length) {
            return -1;
        }
        if (!buf.duplicate().limit(headEnd + length).position(headEnd).equals(ByteBuffer.wrap(BODY))) {
            throw new IOException("a body other than the hello");
        }
        return headEnd + length - from;
    }
}
