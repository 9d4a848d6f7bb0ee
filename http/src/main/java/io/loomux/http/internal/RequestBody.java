package io.loomux.http.internal;

import io.loomux.http.HttpServerSettings;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request's body as the handler reads it: exactly Content-Length bytes, or the chunks of a
 * chunked body with its trailer read and ignored, or nothing. It never reads past the body's
 * end, so a pipelined next request stays in {@link HttpInput}'s buffer.
 *
 * <p>On the first read of a request that expects {@code 100 Continue}, the exchange sends it.
 * When the exchange ends, what is left is read and discarded, up to the drain limit; a body
 * longer than that, or one whose client waits for a 100 Continue that was never sent, makes the
 * connection close after the response instead.
 */
final class RequestBody extends InputStream {

    private final ExchangeImpl exchange;
    private final HttpInput in;
    private final HttpServerSettings settings;
    private final boolean chunked;
    /** Bytes left in the body (fixed) or the current chunk (chunked). */
    private long remaining;
    /** Chunked: the next read starts a chunk (its size line comes first). */
    private boolean atChunkStart;
    private boolean eof;
    private boolean closed;
    /** The body is broken (the client went away or sent bad framing): the connection must close. */
    private boolean broken;
    private final byte[] one = new byte[1];

    RequestBody(ExchangeImpl exchange, HttpInput in, HttpServerSettings settings, long contentLength) {
        this.exchange = exchange;
        this.in = in;
        this.settings = settings;
        this.chunked = contentLength < 0;
        this.remaining = chunked ? 0 : contentLength;
        this.atChunkStart = chunked;
        this.eof = contentLength == 0;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("stream is closed");
        }
        if (eof) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        exchange.continueIfExpected();
        if (chunked && remaining == 0 && !nextChunk()) {
            return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            broken = true;
            throw new EOFException("the client closed the connection before the end of the request body");
        }
        remaining -= n;
        if (remaining == 0 && !chunked) {
            eof = true;
        }
        return n;
    }

    /** @return false at the last chunk (the trailer is then read too) */
    private boolean nextChunk() throws IOException {
        try {
            if (!atChunkStart) {
                String end = in.readLine(0);
                if (end == null || !end.isEmpty()) {
                    throw new IOException("bad chunk: no CRLF after its data");
                }
            }
            atChunkStart = false;
            String line = in.readLine(1024);
            if (line == null) {
                throw new EOFException("the client closed the connection inside a chunked body");
            }
            int semi = line.indexOf(';');
            String hex = (semi < 0 ? line : line.substring(0, semi)).trim();
            if (hex.isEmpty() || hex.length() > 15) {
                throw new IOException("bad chunk size '" + hex + "'");
            }
            long size = 0;
            for (int i = 0; i < hex.length(); i++) {
                int d = Character.digit(hex.charAt(i), 16);
                if (d < 0) {
                    throw new IOException("bad chunk size '" + hex + "'");
                }
                size = size * 16 + d;
            }
            if (size == 0) {
                RequestHead.readFields(in, settings, false);
                eof = true;
                return false;
            }
            remaining = size;
            return true;
        } catch (HttpError | IOException e) {
            broken = true;
            throw e instanceof IOException io ? io : new IOException(e.getMessage());
        }
    }

    /** @return whether the body was read to its end */
    boolean atEnd() {
        return eof;
    }

    /** @return whether the connection can carry no more requests because of this body */
    boolean broken() {
        return broken;
    }

    /**
     * Discards the rest of the body if it fits the drain limit.
     *
     * @return true if the body was read to its end, so the connection can carry another request
     */
    boolean drain() {
        if (eof) {
            return true;
        }
        if (broken || (exchange.continuePending())) {
            return false;
        }
        long budget = settings.drainLimit();
        try {
            if (!chunked) {
                if (remaining > budget) {
                    return false;
                }
                long n = in.skip(remaining);
                remaining -= n;
                eof = remaining == 0;
                return eof;
            }
            // Bounded by the budget: each pass discards at least one byte or ends.
            while (budget >= 0) {
                if (remaining == 0 && !nextChunk()) {
                    return true;
                }
                if (remaining > budget) {
                    return false;
                }
                long n = in.skip(remaining);
                if (n < remaining) {
                    return false;
                }
                budget -= n;
                remaining = 0;
            }
            return false;
        } catch (IOException e) {
            broken = true;
            return false;
        }
    }

    @Override
    public int available() {
        return eof || closed ? 0 : (int) Math.min(in.buffered(), remaining);
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        // The rest is drained when the exchange ends, after the response is on its way.
        closed = true;
    }

    /** Marks it closed without the exchange being told (the exchange is ending). */
    void closeQuietly() {
        closed = true;
    }
}
