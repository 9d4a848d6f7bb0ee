package io.loomux.http.internal;

import io.loomux.http.HttpServerSettings;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request's body as the handler reads it: exactly Content-Length bytes, or the chunks of a
 * chunked body with its trailer read and ignored, or nothing. It never reads past the body's
 * end, so a pipelined next request stays in {@link HttpInput}'s buffer. A chunked body's framing
 * is read strictly (lines end with CRLF only, sizes and extensions as {@link ChunkLine} says):
 * bad framing fails the read, closes the connection after the exchange, and is answered with
 * 400 (431 for a trailer too large) if the response has not begun.
 *
 * <p>On the first read of a request that expects {@code 100 Continue}, the exchange sends it.
 * When the exchange ends, what is left is read and discarded, up to the drain limit; a body
 * longer than that, or one whose client waits for a 100 Continue that was never sent, makes the
 * connection close after the response instead.
 */
final class RequestBody extends InputStream {

    /** The longest chunk line (size and extensions) read, CRLF excluded. */
    static final int MAX_CHUNK_LINE = 1024;

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
    /** Set with {@code broken} when the framing was bad (rather than the connection failing). */
    private HttpError refusal;
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
                int cr = in.read();
                int lf = cr < 0 ? -1 : in.read();
                if (lf < 0) {
                    throw new EOFException("the client closed the connection inside a chunked body");
                }
                if (cr != '\r' || lf != '\n') {
                    throw new HttpError(400, "No CRLF after a chunk's data");
                }
            }
            atChunkStart = false;
            String line;
            try {
                line = in.readCrlfLine(MAX_CHUNK_LINE);
            } catch (HttpInput.BareLfException e) {
                throw new HttpError(400, "A chunk line ended by a bare LF");
            } catch (HttpInput.LineTooLongException e) {
                throw new HttpError(400, "A chunk line longer than " + MAX_CHUNK_LINE + " bytes");
            }
            if (line == null) {
                throw new EOFException("the client closed the connection inside a chunked body");
            }
            long size = ChunkLine.size(line);
            if (size == 0) {
                RequestHead.readFields(in, settings, false);
                eof = true;
                return false;
            }
            remaining = size;
            return true;
        } catch (HttpError e) {
            broken = true;
            refusal = e;
            throw new IOException("bad chunked request body: " + e.getMessage());
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * @return why the body's framing is bad, with the status to answer (when the response has
     *     not gone out yet); null if it is not
     */
    HttpError refusal() {
        return refusal;
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
