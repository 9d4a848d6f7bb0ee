package io.loomux.http.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The buffered write side of one HTTP connection. A response's head and a small body leave in
 * one write; the connection decides when to {@link #flush()} (not while a pipelined request is
 * already buffered, so pipelined responses share writes). One thread at a time, as
 * {@link HttpInput}.
 */
final class HttpOutput {

    private final Transport transport;
    private final byte[] buf;
    private final ByteBuffer wrapped;
    private int count;
    private long written;

    HttpOutput(Transport transport, int size) {
        this.transport = transport;
        this.buf = new byte[size];
        this.wrapped = ByteBuffer.wrap(buf);
    }

    void write(int b) throws IOException {
        if (count == buf.length) {
            flush();
        }
        buf[count++] = (byte) b;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - count) {
            flush();
            if (len >= buf.length) {
                // Large: straight from the caller's array, no copy.
                transport.write(ByteBuffer.wrap(b, off, len));
                written += len;
                return;
            }
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Writes text whose characters are all ISO-8859-1 (a response head). */
    void writeLatin1(String s) throws IOException {
        int len = s.length();
        if (len > buf.length - count) {
            byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
            write(bytes, 0, bytes.length);
            return;
        }
        // String.getBytes(int, int, byte[], int) is deprecated; a loop over chars is as fast here.
        for (int i = 0; i < len; i++) {
            buf[count + i] = (byte) s.charAt(i);
        }
        count += len;
    }

    /** @return bytes buffered and not yet written */
    int pending() {
        return count;
    }

    /** @return bytes handed to the transport so far */
    long written() {
        return written + count;
    }

    void flush() throws IOException {
        if (count == 0) {
            return;
        }
        wrapped.limit(count).position(0);
        int n = count;
        count = 0;
        transport.write(wrapped);
        written += n;
    }

    /** Forgets buffered bytes: the connection is closing after a failure. */
    void discard() {
        count = 0;
    }
}
