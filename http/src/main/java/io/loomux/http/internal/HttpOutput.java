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
    private byte[] buf;
    private ByteBuffer wrapped;
    private int count;
    private long written;

    /**
     * @param transport where the bytes go
     * @param buffer    a heap buffer to gather them in (see {@link #lend})
     */
    HttpOutput(Transport transport, ByteBuffer buffer) {
        this.transport = transport;
        lend(buffer);
    }

    /**
     * Gives this output a buffer again after {@link #giveBack}.
     *
     * @param buffer a cleared heap buffer
     */
    void lend(ByteBuffer buffer) {
        if (wrapped != null) {
            throw new IllegalStateException("the output holds a buffer already");
        }
        wrapped = buffer;
        buf = buffer.array();
    }

    /** @return whether it holds a buffer now (not while the connection waits armed) */
    boolean holdsBuffer() {
        return wrapped != null;
    }

    /**
     * Hands the buffer back to the pool while the connection waits for its next request. Only
     * once flushed: a byte left would be lost, and another connection would send it.
     *
     * @param pool where the buffer goes
     */
    void giveBack(BufferPool pool) {
        if (count != 0) {
            throw new IllegalStateException(count + " bytes not flushed");
        }
        ByteBuffer b = wrapped;
        if (b != null) {
            buf = null;
            wrapped = null;
            pool.give(b);
        }
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

    /**
     * Writes text whose characters are all ISO-8859-1 (a response head; the exchange has
     * checked every field).
     */
    @SuppressWarnings("deprecation")
    void writeLatin1(String s) throws IOException {
        int len = s.length();
        if (len > buf.length - count) {
            byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
            write(bytes, 0, bytes.length);
            return;
        }
        // Deprecated because it drops the high byte of each char, which is what ISO-8859-1 text
        // needs; for a Latin-1 string it is one array copy, where a loop over charAt cost a
        // tenth of a pipelined hello's CPU.
        s.getBytes(0, len, buf, count);
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
