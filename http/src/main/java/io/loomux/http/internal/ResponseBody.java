package io.loomux.http.internal;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A response's body as the handler writes it. Before {@code sendResponseHeaders} it refuses
 * writes; after, it frames them as the head said: exactly Content-Length bytes, chunks, or raw
 * bytes until the connection closes (an HTTP/1.0 client with no length). Closing it ends the
 * response (the last chunk, or a check that the length was met) and then the exchange.
 *
 * <p>Chunked writes are gathered into chunks of up to {@link #CHUNK} bytes, so a handler writing
 * a byte at a time does not send one chunk per byte.
 */
final class ResponseBody extends OutputStream {

    /** The framing, fixed by {@code sendResponseHeaders}. */
    enum Mode { NOT_SENT, FIXED, CHUNKED, UNTIL_CLOSE }

    static final int CHUNK = 8192;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final ExchangeImpl exchange;
    private final HttpOutput out;
    private Mode mode = Mode.NOT_SENT;
    private long remaining;
    private byte[] chunk;
    private int chunkCount;
    private boolean closed;
    /** Set when the head said there is no body: the stream ended as the head went out. */
    private boolean bodiless;
    private final byte[] one = new byte[1];

    ResponseBody(ExchangeImpl exchange, HttpOutput out) {
        this.exchange = exchange;
        this.out = out;
    }

    void fixed(long length) {
        mode = Mode.FIXED;
        remaining = length;
    }

    void chunked(byte[] scratch) {
        mode = Mode.CHUNKED;
        chunk = scratch;
    }

    void untilClose() {
        mode = Mode.UNTIL_CLOSE;
    }

    @Override
    public void write(int b) throws IOException {
        one[0] = (byte) b;
        write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (mode == Mode.NOT_SENT) {
            throw new IOException("response headers not sent yet");
        }
        if (len == 0) {
            // As the JDK's streams: no bytes is no write, even on a closed or body-less stream.
            return;
        }
        if (closed) {
            throw new IOException(bodiless
                    ? "the response has no body (HEAD, 1xx, 204, 304 or length -1): nothing may be written"
                    : "stream is closed");
        }
        switch (mode) {
            case FIXED -> {
                if (len > remaining) {
                    throw new IOException("too many bytes to write to stream");
                }
                remaining -= len;
                out.write(b, off, len);
            }
            case CHUNKED -> {
                if (len >= CHUNK && chunkCount == 0) {
                    writeChunk(b, off, len);
                    return;
                }
                // Bounded by len: each pass copies at least one byte or sends a full chunk.
                while (len > 0) {
                    int n = Math.min(len, CHUNK - chunkCount);
                    System.arraycopy(b, off, chunk, chunkCount, n);
                    chunkCount += n;
                    off += n;
                    len -= n;
                    if (chunkCount == CHUNK) {
                        sendChunk();
                    }
                }
            }
            case UNTIL_CLOSE -> out.write(b, off, len);
            default -> throw new AssertionError(mode);
        }
    }

    private void sendChunk() throws IOException {
        if (chunkCount > 0) {
            int n = chunkCount;
            chunkCount = 0;
            writeChunk(chunk, 0, n);
        }
    }

    private void writeChunk(byte[] b, int off, int len) throws IOException {
        out.writeLatin1(Integer.toHexString(len));
        out.write(CRLF, 0, 2);
        out.write(b, off, len);
        out.write(CRLF, 0, 2);
    }

    /** Sends what is buffered to the client now. */
    @Override
    public void flush() throws IOException {
        if (closed || mode == Mode.NOT_SENT) {
            return;
        }
        if (mode == Mode.CHUNKED) {
            sendChunk();
        }
        out.flush();
    }

    /** @return whether a fixed-length body was written in full and is still open */
    boolean writtenInFull() {
        return mode == Mode.FIXED && remaining == 0 && !closed;
    }

    /** @return whether the handler closed it */
    boolean isClosed() {
        return closed;
    }

    /**
     * Ends the response and then the exchange.
     *
     * @throws IOException if the response has no head yet, or a fixed length was not met (the
     *     connection then closes, since the client cannot tell where the response ended)
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (mode == Mode.NOT_SENT) {
            throw new IOException("response headers not sent yet");
        }
        closed = true;
        IOException failure = null;
        try {
            switch (mode) {
                case FIXED -> {
                    if (remaining > 0) {
                        exchange.mustClose();
                        failure = new IOException("insufficient bytes written to stream");
                    }
                }
                case CHUNKED -> {
                    sendChunk();
                    out.write(LAST_CHUNK, 0, LAST_CHUNK.length);
                }
                case UNTIL_CLOSE -> exchange.mustClose();
                default -> throw new AssertionError(mode);
            }
        } catch (IOException e) {
            exchange.mustClose();
            failure = e;
        }
        exchange.finish();
        if (failure != null) {
            throw failure;
        }
    }

    /** Marks it closed with the exchange already ending (an aborted exchange). */
    void closeQuietly() {
        closed = true;
    }

    /** Ends it as the head goes out: the response has no body, and closing it again is a no-op. */
    void noBody() {
        mode = Mode.FIXED;
        remaining = 0;
        bodiless = true;
        closed = true;
    }
}
