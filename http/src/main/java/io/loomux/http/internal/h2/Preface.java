package io.loomux.http.internal.h2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client connection preface (RFC 9113 section 3.4): the 24 octets
 * {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}, which a client sends before its first SETTINGS frame.
 * Chosen so that an HTTP/1.1 server reads it as a request with an unknown version.
 */
final class Preface {

    /** The preface's length in bytes. */
    static final int LENGTH = 24;

    private static final byte[] CLIENT = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private Preface() {
    }

    /** @return the preface byte at {@code index}, 0..23 */
    static byte at(int index) {
        return CLIENT[index];
    }

    /**
     * How far the bytes of {@code in} agree with the preface, without consuming any. 24 means
     * the preface is there; fewer than {@code min(in.remaining(), 24)} means it is not; otherwise
     * more bytes are needed to tell.
     *
     * @return the number of leading remaining bytes equal to the preface's, at most 24
     */
    static int matching(ByteBuffer in) {
        int n = Math.min(in.remaining(), LENGTH);
        int start = in.position();
        for (int i = 0; i < n; i++) {
            if (in.get(start + i) != CLIENT[i]) {
                return i;
            }
        }
        return n;
    }

    /** @return a new read-only buffer holding the preface, for a client (or a test) to send */
    static ByteBuffer client() {
        return ByteBuffer.wrap(CLIENT).asReadOnlyBuffer();
    }
}
