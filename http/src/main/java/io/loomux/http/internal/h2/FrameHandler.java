package io.loomux.http.internal.h2;

import io.loomux.http.HttpServerSettings;
import io.loomux.http.internal.ContextImpl;
import io.loomux.http.internal.HandlerChain;
import io.loomux.http.internal.HttpInput;
import io.loomux.http.internal.HttpsExchangeImpl;
import io.loomux.http.internal.RequestHeaders;
import io.loomux.http.internal.ServerCore;
import io.loomux.http.internal.hpack.HpackDecoder;
import io.loomux.http.internal.hpack.HpackException;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What the reader of one HTTP/2 connection does with the client's frames ({@link FrameReader}
 * calls it): it assembles header blocks and decodes them, opens streams and starts their
 * handlers (or answers and refuses requests no handler gets), hands DATA to the streams' bodies,
 * and turns the client's resets, settings, pings and window updates into the streams' state.
 *
 * <p>Threads: the connection's reader thread only (one at a time; each next one starts after the
 * last ended). The header block and the DATA frame being read are that thread's alone; what it
 * shares with the handler threads lives in the {@link StreamTable}, and it takes the table's lock
 * only around its own reads and writes of the table and the streams' fields, never while it
 * writes to the socket, and it never waits for a handler.
 *
 * <p>Invariants, checked where they could break: stream ids from the client go up and are odd;
 * a header block is no longer than {@code maxHeaderBytes} plus slack and takes at most
 * {@link #MAX_CONTINUATIONS} CONTINUATION frames; a stream's DATA is no longer than its
 * content-length says.
 */
final class FrameHandler implements FrameListener {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    /** The most CONTINUATION frames one header block may take. */
    static final int MAX_CONTINUATIONS = 32;

    private final Http2Connection connection;
    private final StreamTable table;
    private final ServerCore server;
    private final HttpServerSettings settings;
    /** The TLS session, or null on a plain connection (h2c). */
    private final SSLSession session;
    private final HttpInput in;
    private final FrameOutput out;
    private final HpackDecoder decoder;
    private final FloodGuard guard = new FloodGuard();
    private final int maxStreams;
    private final int maxHeaderBlock;

    // The header block being read, and the DATA frame being read: the reader's thread only.
    private byte[] block = new byte[1024];
    private int blockLength;
    private int blockStream;
    private boolean blockEndStream;
    private int continuations;
    private Http2Stream dataStream;
    private int dataFlow;
    private int dataTaken;

    FrameHandler(Http2Connection connection, StreamTable table, ServerCore server, SSLSession session,
                 HttpInput in, FrameOutput out) {
        this.connection = connection;
        this.table = table;
        this.server = server;
        this.settings = server.settings();
        this.session = session;
        this.in = in;
        this.out = out;
        this.decoder = new HpackDecoder(settings.http2HeaderTableSize(), settings.maxHeaderBytes(),
                settings.maxHeaders());
        this.maxStreams = settings.http2MaxConcurrentStreams();
        // Encoded, a block is no longer than what it decodes to, which maxHeaderBytes bounds;
        // the slack lets a block over the limit decode, so that it is answered with 431.
        this.maxHeaderBlock = settings.maxHeaderBytes() + 4096;
    }

    @Override
    public void headersStart(int streamId, int fragmentLength, boolean endStream, boolean endHeaders)
            throws Http2Exception {
        if ((streamId & 1) == 0) {
            throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "stream " + streamId + " is even: the server's");
        }
        table.lock.lock();
        try {
            if (streamId > table.lastStreamId()) {
                table.lastStreamId(streamId);
            } else if (table.stream(streamId) == null && !table.wasReset(streamId)) {
                throw Http2Exception.connection(ErrorCode.STREAM_CLOSED, "HEADERS on closed stream " + streamId);
            }
        } finally {
            table.lock.unlock();
        }
        blockStream = streamId;
        blockEndStream = endStream;
        blockLength = 0;
        continuations = 0;
        in.deadline(System.nanoTime() + settings.headerTimeout().toNanos());
    }

    @Override
    public void continuationStart(int streamId, int fragmentLength, boolean endHeaders) throws Http2Exception {
        if (++continuations > MAX_CONTINUATIONS) {
            throw Http2Exception.connection(ErrorCode.ENHANCE_YOUR_CALM,
                    "a header block of more than " + MAX_CONTINUATIONS + " CONTINUATION frames");
        }
    }

    @Override
    public void headerFragment(int streamId, ByteBuffer fragment) throws Http2Exception {
        int n = fragment.remaining();
        if (blockLength + n > maxHeaderBlock) {
            throw Http2Exception.connection(ErrorCode.ENHANCE_YOUR_CALM,
                    "a header block of more than " + maxHeaderBlock + " bytes");
        }
        if (blockLength + n > block.length) {
            block = java.util.Arrays.copyOf(block, Math.min(maxHeaderBlock, Math.max(blockLength + n, 2 * block.length)));
        }
        fragment.get(block, blockLength, n);
        blockLength += n;
    }

    @Override
    public void headerBlockEnd(int streamId, boolean endStream) throws Http2Exception {
        in.deadline(0);
        Http2Stream existing;
        boolean ignore;
        table.lock.lock();
        try {
            existing = table.stream(streamId);
            ignore = existing == null && table.wasReset(streamId);
        } finally {
            table.lock.unlock();
        }
        RequestFields fields = new RequestFields(existing != null || ignore);
        boolean whole;
        try {
            whole = decoder.decode(ByteBuffer.wrap(block, 0, blockLength), fields);
        } catch (HpackException e) {
            throw Http2Exception.connection(ErrorCode.COMPRESSION_ERROR, e.getMessage());
        }
        if (block.length > 16 * 1024) {
            block = new byte[1024]; // a large block's buffer is not kept for the connection's life
        }
        fields.end();
        if (ignore) {
            return;
        }
        if (existing != null) {
            trailers(existing, fields, endStream);
            return;
        }
        open(streamId, fields, whole, endStream);
    }

    /** A second header block on an open stream: the request's trailers, which end it; dropped. */
    private void trailers(Http2Stream s, RequestFields fields, boolean endStream) throws Http2Exception {
        if (!endStream || fields.malformed() != null) {
            throw Http2Exception.stream(s.id, ErrorCode.PROTOCOL_ERROR,
                    endStream ? "malformed trailers: " + fields.malformed() : "a second header block without END_STREAM");
        }
        table.lock.lock();
        try {
            if (s.requestEnded) {
                throw Http2Exception.stream(s.id, ErrorCode.STREAM_CLOSED, "HEADERS after the request ended");
            }
        } finally {
            table.lock.unlock();
        }
        requestEnd(s);
    }

    /** A new stream's request head is whole: answer it here, refuse it, or start its handler. */
    private void open(int id, RequestFields fields, boolean whole, boolean endStream) throws Http2Exception {
        guard.usefulFrame();
        if (!whole) {
            answer(id, 431, "The request's header fields are larger than " + settings.maxHeaderBytes()
                    + " bytes or more than " + settings.maxHeaders(), endStream);
            return;
        }
        if (fields.malformed() != null) {
            throw Http2Exception.stream(id, ErrorCode.PROTOCOL_ERROR, "malformed request: " + fields.malformed());
        }
        if ("CONNECT".equals(fields.method())) {
            answer(id, 405, "CONNECT is not served", endStream);
            return;
        }
        if (endStream && fields.contentLength() > 0) {
            throw Http2Exception.stream(id, ErrorCode.PROTOCOL_ERROR, "content-length without DATA");
        }
        URI uri = target(fields.path());
        if (uri == null) {
            answer(id, 400, "Bad request target", endStream);
            return;
        }
        Request r = new Request(fields.method(), uri, fields.headers(), fields.expectsContinue(), fields.contentLength());
        if (start(id, r, endStream, null) == null) {
            throw Http2Exception.stream(id, ErrorCode.REFUSED_STREAM, "over " + maxStreams + " streams, or stopping");
        }
    }

    /** What a stream's exchange is made of, from a header block or an HTTP/1.1 upgrade. */
    record Request(String method, URI uri, RequestHeaders headers, boolean expectContinue,
                           long contentLength) {
    }

    /**
     * Opens a stream for the request and starts its handler.
     *
     * @param body the whole request body, when it came before the stream (an upgrade); else null
     * @return the stream, or null if it was refused: over the limit, or going away
     */
    Http2Stream start(int id, Request r, boolean endStream, byte[] body) {
        String path = r.uri().getPath();
        ContextImpl context = server.findContext(path == null || path.isEmpty() ? "/" : path);
        Http2Stream s;
        table.lock.lock();
        try {
            s = connection.refusesStreams() ? null : table.newStream(id, r.contentLength());
            if (s == null) {
                return null;
            }
            s.requestEnded = endStream;
            if (body != null && body.length > 0) {
                s.addBody(body);
                s.received = body.length;
            }
            s.handlerRunning = true;
            s.counted = true;
            s.exchange = new StreamExchange(connection, table, s, r.method(), r.uri(), r.headers(), r.expectContinue(), context);
            if (session != null) {
                // Over TLS a handler is given an HttpsExchange, as on HTTP/1.1.
                new HttpsExchangeImpl(s.exchange, session);
            }
            table.add(s);
        } finally {
            table.lock.unlock();
        }
        server.exchangeStarted();
        try {
            Thread.startVirtualThread(() -> runHandler(s, context));
        } catch (RuntimeException | OutOfMemoryError e) {
            table.handlerReturned(s);
            table.resetStream(s, ErrorCode.INTERNAL_ERROR);
            throw e;
        }
        return s;
    }

    /** The handler thread's work: the handler chain, then the stream's slot may go. */
    private void runHandler(Http2Stream s, ContextImpl context) {
        try {
            HandlerChain.start(s.exchange, context, server.executor());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "HTTP/2 " + s + " from " + connection.remoteAddress() + " failed", e);
            table.resetStream(s, ErrorCode.INTERNAL_ERROR);
        } finally {
            table.handlerReturned(s);
        }
    }

    /** @return the request target as a URI, or null if it is not one an HTTP/1.1 request could carry */
    private static URI target(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return null;
            }
        }
        if (path.charAt(0) != '/' && !path.equals("*")) {
            return null;
        }
        try {
            return new URI(path);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * Answers a request the server will not hand to a handler, with a short HTML page; if the
     * client is still sending, the stream is then reset with NO_ERROR (RFC 9113 section 8.1).
     */
    private void answer(int id, int status, String message, boolean requestEnded) throws Http2Exception {
        guard.reset("answered " + status + " without a handler");
        byte[] page = io.loomux.http.internal.Status.page(status, message);
        List<String> fields = List.of("content-type", "text/html", "content-length", Integer.toString(page.length),
                "date", io.loomux.http.internal.Status.date());
        try {
            out.headers(id, status, fields, false, false);
            out.data(id, page, 0, Math.min(page.length, FrameOutput.MAX_DATA), true, true);
            if (!requestEnded) {
                table.remember(id);
                out.rstStream(id, ErrorCode.NO_ERROR);
            }
        } catch (IOException e) {
            // The connection is failing; the reader sees it next.
        }
    }

    @Override
    public void dataStart(int streamId, int flowLength, boolean endStream) throws Http2Exception {
        if (flowLength == 0 && !endStream) {
            guard.overheadFrame("empty DATA");
        } else if (flowLength > 0) {
            guard.usefulFrame();
        }
        dataStream = null;
        dataFlow = flowLength;
        dataTaken = 0;
        dataStream = table.dataOn(streamId, flowLength);
    }

    @Override
    public void dataChunk(int streamId, ByteBuffer data) throws Http2Exception {
        Http2Stream s = dataStream;
        if (s == null) {
            return;
        }
        int n = data.remaining();
        byte[] copy = new byte[n];
        data.get(copy);
        table.lock.lock();
        try {
            s.received += n;
            if (s.declaredLength >= 0 && s.received > s.declaredLength) {
                throw Http2Exception.stream(streamId, ErrorCode.PROTOCOL_ERROR, "more DATA than content-length");
            }
            if (s.closed || s.bodyClosed) {
                // No one will read it: given back at once (at the frame's end).
                return;
            }
            s.addBody(copy);
            dataTaken += n;
            s.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
    }

    @Override
    public void dataEnd(int streamId, boolean endStream) throws Http2Exception {
        Http2Stream s = dataStream;
        dataStream = null;
        // What no handler will read (padding, bytes dropped) is window given back now.
        int dropped = dataFlow - dataTaken;
        if (dropped > 0) {
            table.dropped(s, dropped);
        }
        if (s != null && endStream) {
            requestEnd(s);
        }
    }

    /** The client ended its request: the body is whole, and must be as long as it said. */
    private void requestEnd(Http2Stream s) throws Http2Exception {
        boolean close;
        table.lock.lock();
        try {
            if (s.declaredLength >= 0 && s.received != s.declaredLength) {
                throw Http2Exception.stream(s.id, ErrorCode.PROTOCOL_ERROR,
                        "DATA of " + s.received + " bytes, content-length " + s.declaredLength);
            }
            s.requestEnded = true;
            s.changed.signalAll();
            close = s.done();
        } finally {
            table.lock.unlock();
        }
        if (close) {
            table.closeStream(s);
        }
    }

    @Override
    public void priority(int streamId, int dependency, boolean exclusive, int weight) throws Http2Exception {
        guard.overheadFrame("PRIORITY");
        // Ignored, as RFC 9113 section 5.3 allows; a self-dependency was refused by the reader.
    }

    @Override
    public void rstStream(int streamId, ErrorCode code) throws Http2Exception {
        Http2Stream s;
        table.lock.lock();
        try {
            if (streamId > table.lastStreamId()) {
                throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId);
            }
            s = table.stream(streamId);
            if (s == null || s.reset != null) {
                return;
            }
            if (!s.responseEnded) {
                // Counted before the stream is reset: a loop of them ends the connection.
                guard.reset("by the client");
            }
            s.reset = code;
            s.resetByClient = true;
            s.changed.signalAll();
        } finally {
            table.lock.unlock();
        }
        table.closeStream(s);
    }

    @Override
    public void settings(Settings delta) throws Http2Exception {
        guard.overheadFrame("SETTINGS");
        out.peerSettings(table.applyPeerSettings(delta));
        try {
            out.settingsAck();
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
    }

    @Override
    public void settingsAck() throws Http2Exception {
        guard.overheadFrame("SETTINGS ACK");
        connection.settingsAcknowledged();
    }

    @Override
    public void ping(long data, boolean ack) throws Http2Exception {
        guard.overheadFrame("PING");
        if (!ack) {
            try {
                out.pingAck(data);
            } catch (IOException e) {
                // The reader sees the failure on its next read.
            }
        }
    }

    @Override
    public void goAway(int lastStreamId, ErrorCode code, byte[] debugData) {
        connection.peerGoesAway();
    }

    @Override
    public void windowUpdate(int streamId, int increment) throws Http2Exception {
        StreamTable.Opened o = table.windowUpdate(streamId, increment);
        if (o == null) {
            return;
        }
        // A client acknowledging DATA it received, however little, as some do for every frame,
        // costs nothing; small updates for more than it received are a flood, and ones that leave
        // the window small keep the server sending tiny frames (the "data dribble").
        if (increment < FloodGuard.SMALL_WINDOW_UPDATE && (!o.acknowledges() || o.after() < FloodGuard.SMALL_WINDOW_UPDATE)) {
            guard.overheadFrame("WINDOW_UPDATE of " + increment + " bytes to a window of " + o.after());
        }
    }

    @Override
    public void unknownFrame(int type, int streamId, int flags, int length) throws Http2Exception {
        guard.overheadFrame("a frame of unknown type " + type);
        // Skipped, as section 5.5 says.
    }

    /** A stream error the reader found: the stream (if it is open) is reset with its code. */
    void streamError(Http2Exception e) throws Http2Exception {
        guard.reset(e.code() + " from the server");
        if (dataStream != null && dataStream.id == e.streamId()) {
            // The rest of the frame is dropped (its window given back at its end).
            dataStream = null;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection from " + connection.remoteAddress() + ": " + e.getMessage());
        Http2Stream s;
        table.lock.lock();
        try {
            s = table.stream(e.streamId());
            if (s == null) {
                table.remember(e.streamId());
            }
        } finally {
            table.lock.unlock();
        }
        if (s != null) {
            table.resetStream(s, e.code());
            return;
        }
        try {
            out.rstStream(e.streamId(), e.code());
        } catch (IOException io) {
            // The reader sees the failure on its next read.
        }
    }
}
