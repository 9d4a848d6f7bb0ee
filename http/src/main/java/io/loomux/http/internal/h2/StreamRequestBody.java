package io.loomux.http.internal.h2;

import java.io.IOException;
import java.io.InputStream;

/**
 * A stream's request body as its handler reads it: the DATA the client sent, in order. A read
 * waits for DATA (up to the idle timeout); what is read is given back to the client as window,
 * so the client can never make the server hold more than the stream's window of unread body.
 */
final class StreamRequestBody extends InputStream {

    private final StreamTable table;
    private final Http2Stream stream;
    private final StreamExchange exchange;
    private final byte[] one = new byte[1];
    private boolean closed;

    StreamRequestBody(StreamTable table, Http2Stream stream, StreamExchange exchange) {
        this.table = table;
        this.stream = stream;
        this.exchange = exchange;
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
        if (len == 0) {
            return 0;
        }
        exchange.continueIfExpected();
        return table.readBody(stream, b, off, len);
    }

    @Override
    public int available() {
        return closed ? 0 : table.bodyAvailable(stream);
    }

    /** Closing it drops what is unread; the connection resets the stream if the client still sends. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            table.requestBodyClosed(stream);
        }
    }
}
