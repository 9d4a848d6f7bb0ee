package io.loomux.http.internal.h2;

import io.loomux.http.internal.ResponseFraming;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A stream's response body as its handler writes it: DATA frames, each no larger than the
 * peer's frame size and what both windows allow; a write into a closed window waits (up to the
 * idle timeout) for the client to open it. A fixed-length body's last bytes carry END_STREAM;
 * a body of unknown length ends with an empty DATA frame on close.
 *
 * <p>Used by the handler's thread only (or the one it handed the exchange to).
 */
final class StreamResponseBody extends OutputStream {

    private final StreamTable table;
    private final Http2Stream stream;
    private final byte[] one = new byte[1];
    private ResponseFraming framing;
    private long remaining;
    private boolean ended;

    StreamResponseBody(StreamTable table, Http2Stream stream) {
        this.table = table;
        this.stream = stream;
    }

    /** The head went out with this framing. */
    void begin(ResponseFraming f) {
        framing = f;
        remaining = f.body() == ResponseFraming.Body.FIXED ? f.contentLength() : 0;
        if (f.body() == ResponseFraming.Body.NONE) {
            // The head carried END_STREAM.
            ended = true;
        }
    }

    /** @return whether the response has ended (or was abandoned) */
    boolean ended() {
        return ended;
    }

    /** @return whether a fixed-length body was written in full and not yet closed */
    boolean writtenInFull() {
        return framing != null && framing.body() == ResponseFraming.Body.FIXED && remaining == 0 && !ended;
    }

    /** Nothing more goes out: the stream is being reset. */
    void abandon() {
        ended = true;
    }

    @Override
    public void write(int b) throws IOException {
        one[0] = (byte) b;
        write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (framing == null) {
            throw new IOException("response headers not sent yet");
        }
        if (len == 0) {
            return;
        }
        if (ended) {
            throw new IOException(framing.body() == ResponseFraming.Body.NONE
                    ? "the response has no body (HEAD, 1xx, 204, 304 or length -1): nothing may be written"
                    : "stream is closed");
        }
        boolean fixed = framing.body() == ResponseFraming.Body.FIXED;
        if (fixed && len > remaining) {
            throw new IOException("too many bytes to write to stream");
        }
        // Bounded by len: each pass sends at least one byte or throws.
        while (len > 0) {
            int n = table.reserveSendWindow(stream, len);
            boolean last = fixed && remaining == n;
            table.sendData(stream, b, off, n, last);
            off += n;
            len -= n;
            if (fixed) {
                remaining -= n;
            }
            if (last) {
                ended = true;
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (framing != null) {
            table.flush();
        }
    }

    /**
     * Ends the response: the empty DATA frame with END_STREAM of a body of unknown length, or a
     * check that a fixed length was met (else the stream is reset, the client cannot take the
     * response as whole).
     */
    @Override
    public void close() throws IOException {
        if (framing == null) {
            throw new IOException("response headers not sent yet");
        }
        if (ended) {
            // The end's frame went to the output when it was sent, and its flush was arranged then.
            return;
        }
        ended = true;
        if (framing.body() == ResponseFraming.Body.FIXED && remaining > 0) {
            table.resetStream(stream, ErrorCode.INTERNAL_ERROR);
            throw new IOException("insufficient bytes written to stream");
        }
        table.sendData(stream, one, 0, 0, true);
    }
}
