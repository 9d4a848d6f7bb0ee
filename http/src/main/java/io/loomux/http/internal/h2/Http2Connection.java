package io.loomux.http.internal.h2;

import io.loomux.http.HttpServerSettings;
import io.loomux.http.internal.BufferPool;
import io.loomux.http.internal.ContextImpl;
import io.loomux.http.internal.H2cUpgrade;
import io.loomux.http.internal.HandlerChain;
import io.loomux.http.internal.HttpInput;
import io.loomux.http.internal.HttpsExchangeImpl;
import io.loomux.http.internal.RequestHeaders;
import io.loomux.http.internal.ServedConnection;
import io.loomux.http.internal.ServerCore;
import io.loomux.http.internal.Transport;
import io.loomux.http.internal.hpack.HpackDecoder;
import io.loomux.http.internal.hpack.HpackException;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/2 connection (RFC 9113): a reader on the connection's thread takes the client's frames
 * apart ({@link FrameReader}) and keeps the streams' states; each request runs as a
 * {@link StreamExchange} on a virtual thread of its own, through the same filters, authenticator
 * and handler as an HTTP/1.1 one; every thread sends through one {@link FrameOutput}.
 *
 * <p>Flow control, both ways. What the client may send is bounded by the windows this side
 * advertised: a stream's ({@code http2InitialWindowSize}) and the connection's
 * ({@link #CONNECTION_WINDOW}), and both open only as handlers read (or the server drops what no
 * handler will read), so a client can never make the server hold more unread body than the
 * connection's window. What the server sends waits, in the handler's thread, for both of the
 * client's windows.
 *
 * <p>Locking: {@link #lock} guards the stream map, every window and every stream's fields; a
 * stream's waiters wait on its own condition. Nothing is written to the socket under it
 * ({@link FrameOutput} has its own lock, always taken after this one or alone), so a client that
 * stops reading blocks senders, never the reader.
 *
 * <p>Invariants, checked where they could break: a stream is in the map exactly while it is
 * open ({@code closed} false); each stream holds at most one exchange count, from its opening to
 * its close; the slots in use ({@link #slots}) count streams open or whose handler still runs,
 * and never exceed {@code http2MaxConcurrentStreams}, so a client resetting streams in a loop
 * cannot keep more handlers running than that.
 */
final class Http2Connection implements ServedConnection, FrameListener {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    /**
     * The connection's receive window: the most request body bytes, over all its streams, that
     * the server holds unread. Larger than a stream's so that a few uploads at once are not
     * slowed by each other.
     */
    static final int CONNECTION_WINDOW = 1 << 20;
    /** The most CONTINUATION frames one header block may take. */
    static final int MAX_CONTINUATIONS = 32;
    /** Stream ids reset by the server, remembered so that frames already on their way are dropped. */
    private static final int RESET_MEMORY = 64;

    private final ServerCore server;
    private final HttpServerSettings settings;
    private final Transport transport;
    /** The TLS session, or null on a plain connection (h2c). */
    private final SSLSession session;
    private final HttpInput in;
    private final FrameOutput out;
    private final FrameReader reader;
    private final HpackDecoder decoder;
    private final FloodGuard guard = new FloodGuard();
    private final int streamWindow;
    private final int maxStreams;
    private final int maxHeaderBlock;
    private final long idleNanos;

    final ReentrantLock lock = new ReentrantLock();
    private final Map<Integer, Http2Stream> streams = new HashMap<>(); // guarded by lock
    private final FlowWindow sendWindow = new FlowWindow(0, 65_535); // guarded by lock
    /** DATA bytes sent and not yet given back by the client's WINDOW_UPDATEs; guarded by lock. */
    private long sentUnacknowledged;
    private final FlowWindow receiveWindow = new FlowWindow(0, 65_535); // guarded by lock
    /** Body bytes read or dropped and not yet given back as connection window; guarded by lock. */
    private int connectionUnacknowledged;
    private final Settings peer = new Settings(); // guarded by lock
    private int peerMaxData = Settings.MIN_MAX_FRAME_SIZE; // guarded by lock
    private int slots; // guarded by lock
    /** A flush is arranged ({@link #flushLater}) and has not begun; guarded by lock. */
    private boolean flushPending;
    /** Exchange counts that end after the arranged flush; guarded by lock. */
    private int flushUncounts;
    private final Runnable flusher = this::flushNow;
    private int lastStreamId; // guarded by lock
    private final int[] resetIds = new int[RESET_MEMORY]; // guarded by lock
    private int resetNext; // guarded by lock
    private boolean goAwaySent; // guarded by lock
    private boolean peerGoingAway; // guarded by lock
    private volatile boolean closed;
    /** A graceful close began ({@link #closeNow}): GOAWAY said, the client's close awaited. */
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The socket was closed at once. */
    private volatile boolean hardClosed;
    /** The server closed it (its stop): no lingering. */
    private volatile boolean forced;
    /** After a connection error, the reader's thread: close lingering, the client may still send. */
    private boolean lingerOnClose;
    private volatile long idleSince = System.nanoTime();
    /** The reader's thread now, or the last one, or null before the first. */
    private volatile Thread thread;
    /** Waiting for the client's next bytes with no thread (armed); the reaper counts it as waiting on the client. */
    private volatile boolean armed;
    /** Made once: what the next reader's thread runs, and how that thread starts. */
    private final Runnable resume = this::resume;
    private final java.util.concurrent.Executor starter = this::startArmed;

    // The header block being read, and the DATA frame being read: the reader's thread only.
    private byte[] block = new byte[1024];
    private int blockLength;
    private int blockStream;
    private boolean blockEndStream;
    private int continuations;
    private Http2Stream dataStream;
    private int dataFlow;
    private int dataTaken;

    Http2Connection(ServerCore server, Transport transport, HttpInput in) {
        this.server = server;
        this.settings = server.settings();
        this.transport = transport;
        this.session = transport.session();
        this.in = in;
        this.out = new FrameOutput(transport, server.frameBuffers());
        this.reader = FrameReader.server(settings.http2MaxFrameSize());
        this.decoder = new HpackDecoder(settings.http2HeaderTableSize(), settings.maxHeaderBytes(),
                settings.maxHeaders());
        this.streamWindow = settings.http2InitialWindowSize();
        this.maxStreams = settings.http2MaxConcurrentStreams();
        // Encoded, a block is no longer than what it decodes to, which maxHeaderBytes bounds;
        // the slack lets a block over the limit decode, so that it is answered with 431.
        this.maxHeaderBlock = settings.maxHeaderBytes() + 4096;
        this.idleNanos = settings.idleTimeout().toNanos();
    }

    InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    InetSocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    /**
     * Serves the connection on the calling thread until it ends; then it is closed and off the
     * books. With an upgrade, the connection was upgraded from HTTP/1.1 ({@code Upgrade: h2c}, RFC
     * 7540 section 3.2): the request that asked is stream 1, its body whole already, and the
     * client's HTTP2-Settings count as its first SETTINGS (the 101 acknowledged them).
     *
     * @param upgrade the request that upgraded the connection, or null for prior knowledge and TLS
     */
    void serve(H2cUpgrade upgrade) {
        runReader(() -> {
            begin(upgrade);
            return read();
        });
    }

    /** The connection's first frames: the server's SETTINGS and window, and the upgraded stream. */
    private void begin(H2cUpgrade upgrade) throws IOException, Http2Exception {
        in.deadline(0);
        in.perReadTimeout(Duration.ZERO);
        Settings ours = new Settings()
                .set(Settings.MAX_CONCURRENT_STREAMS, maxStreams)
                .set(Settings.ENABLE_PUSH, 0)
                .set(Settings.MAX_HEADER_LIST_SIZE, settings.maxHeaderBytes());
        if (streamWindow != 65_535) {
            ours.set(Settings.INITIAL_WINDOW_SIZE, streamWindow);
        }
        if (settings.http2MaxFrameSize() != Settings.MIN_MAX_FRAME_SIZE) {
            ours.set(Settings.MAX_FRAME_SIZE, settings.http2MaxFrameSize());
        }
        if (settings.http2HeaderTableSize() != 4096) {
            ours.set(Settings.HEADER_TABLE_SIZE, settings.http2HeaderTableSize());
        }
        out.settings(ours);
        lock.lock();
        try {
            receiveWindow.grant(CONNECTION_WINDOW - 65_535);
        } finally {
            lock.unlock();
        }
        out.windowUpdate(0, CONNECTION_WINDOW - 65_535, upgrade == null);
        if (upgrade != null) {
            upgraded(upgrade);
        }
    }

    /**
     * The reader's next thread, started by the client's next bytes (or a close) after an armed
     * wait: it borrows the buffers again and reads on.
     */
    private void resume() {
        runReader(() -> {
            in.lend(server.buffers().take());
            transport.lend();
            return read();
        });
    }

    /** What one reader thread does; true if it left the connection armed. */
    @FunctionalInterface
    private interface ReaderWork {
        boolean run() throws IOException, Http2Exception;
    }

    /**
     * Runs one reader thread's work: it ends with the connection waiting armed, or it ends the
     * connection (after a connection error, with GOAWAY, lingering).
     */
    private void runReader(ReaderWork work) {
        thread = Thread.currentThread();
        boolean handedOn = false;
        try {
            handedOn = work.run();
        } catch (Http2Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection from " + remoteAddress() + ": " + e.getMessage());
            goAway(e.code(), e.getMessage());
            // The client may still be sending: closing now would reset the connection, and the
            // reset can destroy the GOAWAY before the client reads it.
            lingerOnClose = true;
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "HTTP/2 connection from " + remoteAddress() + " ended", e);
        } finally {
            if (!handedOn) {
                end();
            }
        }
    }

    /**
     * Starts the thread an armed wait ends in; called once, on a poller thread or on whichever
     * thread closed the connection. If no thread starts, the runtime closes the connection and
     * the task never runs: the connection ends here.
     */
    private void startArmed(Runnable task) {
        armed = false;
        try {
            Thread.startVirtualThread(task);
        } catch (RuntimeException | OutOfMemoryError e) {
            end();
            throw e;
        }
    }

    /**
     * Waits for the client's next bytes with no thread and no input buffer, when it can: nothing
     * buffered (in the input or a TLS engine) and no header block half read (its timeout is a
     * read's). Streams may be open: their handlers do not need the reader until the client sends.
     *
     * @return true if armed: the caller's thread must end without touching the connection's
     *     input, whose next reader may be running already; false to read now, on this thread
     */
    private boolean waitArmed() {
        if (reader.inHeaderBlock() || in.buffered() > 0 || !transport.drained() || closed) {
            return false;
        }
        BufferPool pool = server.buffers();
        in.giveBack(pool);
        transport.giveBack();
        armed = true;
        boolean ok = false;
        try {
            ok = transport.onReadable(resume, starter);
            return ok;
        } finally {
            if (!ok) {
                armed = false;
                in.lend(pool.take());
                transport.lend();
            }
        }
    }

    /** Takes the client's HTTP2-Settings, and opens stream 1 for the request that upgraded. */
    private void upgraded(H2cUpgrade u) throws IOException, Http2Exception {
        Settings given = Settings.decode(ByteBuffer.wrap(u.settings()));
        lock.lock();
        try {
            peer.apply(given);
            peerMaxData = Math.min(peer.maxFrameSize(), FrameOutput.MAX_DATA);
            lastStreamId = 1;
        } finally {
            lock.unlock();
        }
        out.peerSettings(peer);
        out.flush();
        Request r = new Request(u.method(), u.uri(), u.headers(), false, u.body().length);
        if (start(1, r, true, u.body()) == null) {
            // Stopping: the one request the client sent is refused, and GOAWAY follows.
            out.rstStream(1, ErrorCode.REFUSED_STREAM);
        }
    }

    /**
     * The reader's loop: bounded by the client, each pass consumes what arrived, or ends, or
     * leaves the connection armed.
     *
     * @return true if it waits armed (see {@link #waitArmed}); false when the connection ends
     */
    private boolean read() throws IOException, Http2Exception {
        while (!closed) {
            ByteBuffer view = in.unread();
            try {
                reader.feed(view, this);
            } catch (Http2Exception e) {
                in.consumedTo(view);
                if (e.isConnectionError()) {
                    throw e;
                }
                streamError(e);
                // The reader goes on where it stopped.
                continue;
            }
            in.consumedTo(view);
            if (waitArmed()) {
                return true;
            }
            boolean more;
            try {
                more = in.fill();
            } catch (SocketTimeoutException e) {
                if (reader.inHeaderBlock()) {
                    throw Http2Exception.connection(ErrorCode.ENHANCE_YOUR_CALM,
                            "a header block did not end within the header timeout");
                }
                // A read timeout left from the TLS handshake: an idle connection is the reaper's.
                continue;
            }
            if (!more) {
                return false;
            }
        }
        return false;
    }

    // ---- FrameListener: the reader's thread ----

    @Override
    public void headersStart(int streamId, int fragmentLength, boolean endStream, boolean endHeaders)
            throws Http2Exception {
        if ((streamId & 1) == 0) {
            throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "stream " + streamId + " is even: the server's");
        }
        lock.lock();
        try {
            if (streamId > lastStreamId) {
                lastStreamId = streamId;
            } else if (!streams.containsKey(streamId) && !wasReset(streamId)) {
                throw Http2Exception.connection(ErrorCode.STREAM_CLOSED, "HEADERS on closed stream " + streamId);
            }
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            existing = streams.get(streamId);
            ignore = existing == null && wasReset(streamId);
        } finally {
            lock.unlock();
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
        lock.lock();
        try {
            if (s.requestEnded) {
                throw Http2Exception.stream(s.id, ErrorCode.STREAM_CLOSED, "HEADERS after the request ended");
            }
        } finally {
            lock.unlock();
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
    private record Request(String method, URI uri, RequestHeaders headers, boolean expectContinue,
                           long contentLength) {
    }

    /**
     * Opens a stream for the request and starts its handler.
     *
     * @param body the whole request body, when it came before the stream (an upgrade); else null
     * @return the stream, or null if it was refused: over the limit, or going away
     */
    private Http2Stream start(int id, Request r, boolean endStream, byte[] body) {
        String path = r.uri().getPath();
        ContextImpl context = server.findContext(path == null || path.isEmpty() ? "/" : path);
        Http2Stream s;
        lock.lock();
        try {
            if (goAwaySent || closed || server.stopping() || slots >= maxStreams) {
                return null;
            }
            s = new Http2Stream(id, lock.newCondition(), peer.initialWindowSize(), streamWindow, r.contentLength());
            s.requestEnded = endStream;
            if (body != null && body.length > 0) {
                s.body.add(body);
                s.received = body.length;
            }
            s.handlerRunning = true;
            s.counted = true;
            s.exchange = new StreamExchange(this, s, r.method(), r.uri(), r.headers(), r.expectContinue(), context);
            if (session != null) {
                // Over TLS a handler is given an HttpsExchange, as on HTTP/1.1.
                new HttpsExchangeImpl(s.exchange, session);
            }
            streams.put(id, s);
            slots++;
        } finally {
            lock.unlock();
        }
        server.exchangeStarted();
        try {
            Thread.startVirtualThread(() -> runHandler(s, context));
        } catch (RuntimeException | OutOfMemoryError e) {
            handlerReturned(s);
            resetStream(s, ErrorCode.INTERNAL_ERROR);
            throw e;
        }
        return s;
    }

    /** The handler thread's work: the handler chain, then the stream's slot may go. */
    private void runHandler(Http2Stream s, ContextImpl context) {
        try {
            HandlerChain.start(s.exchange, context, server.executor());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "HTTP/2 " + s + " from " + remoteAddress() + " failed", e);
            resetStream(s, ErrorCode.INTERNAL_ERROR);
        } finally {
            handlerReturned(s);
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
        List<Map.Entry<String, String>> fields = List.of(Map.entry("content-type", "text/html"),
                Map.entry("content-length", Integer.toString(page.length)),
                Map.entry("date", io.loomux.http.internal.Status.date()));
        try {
            out.headers(id, status, fields, false, false);
            out.data(id, page, 0, Math.min(page.length, FrameOutput.MAX_DATA), true, true);
            if (!requestEnded) {
                remember(id);
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
        lock.lock();
        try {
            receiveWindow.consume(flowLength);
            Http2Stream s = streams.get(streamId);
            if (s == null) {
                if (streamId > lastStreamId) {
                    throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "DATA on idle stream " + streamId);
                }
                if (!wasReset(streamId)) {
                    throw Http2Exception.stream(streamId, ErrorCode.STREAM_CLOSED, "DATA on closed stream " + streamId);
                }
                return;
            }
            if (s.requestEnded) {
                throw Http2Exception.stream(streamId, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
            }
            s.receiveWindow.consume(flowLength);
            dataStream = s;
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            s.received += n;
            if (s.declaredLength >= 0 && s.received > s.declaredLength) {
                throw Http2Exception.stream(streamId, ErrorCode.PROTOCOL_ERROR, "more DATA than content-length");
            }
            if (s.closed || s.bodyClosed) {
                // No one will read it: given back at once (at the frame's end).
                return;
            }
            s.body.add(copy);
            dataTaken += n;
            s.changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void dataEnd(int streamId, boolean endStream) throws Http2Exception {
        Http2Stream s = dataStream;
        dataStream = null;
        // What no handler will read (padding, bytes dropped) is window given back now.
        int dropped = dataFlow - dataTaken;
        if (dropped > 0) {
            lock.lock();
            try {
                connectionUnacknowledged += dropped;
                if (s != null) {
                    s.unacknowledged += dropped;
                }
            } finally {
                lock.unlock();
            }
            acknowledge(s);
        }
        if (s != null && endStream) {
            requestEnd(s);
        }
    }

    /** The client ended its request: the body is whole, and must be as long as it said. */
    private void requestEnd(Http2Stream s) throws Http2Exception {
        boolean close;
        lock.lock();
        try {
            if (s.declaredLength >= 0 && s.received != s.declaredLength) {
                throw Http2Exception.stream(s.id, ErrorCode.PROTOCOL_ERROR,
                        "DATA of " + s.received + " bytes, content-length " + s.declaredLength);
            }
            s.requestEnded = true;
            s.changed.signalAll();
            close = s.done();
        } finally {
            lock.unlock();
        }
        if (close) {
            closeStream(s);
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
        lock.lock();
        try {
            if (streamId > lastStreamId) {
                throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on idle stream " + streamId);
            }
            s = streams.get(streamId);
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
            lock.unlock();
        }
        closeStream(s);
    }

    @Override
    public void settings(Settings delta) throws Http2Exception {
        guard.overheadFrame("SETTINGS");
        lock.lock();
        try {
            int before = peer.initialWindowSize();
            peer.apply(delta);
            int after = peer.initialWindowSize();
            if (after != before) {
                for (Http2Stream s : streams.values()) {
                    s.sendWindow.initialSizeChanged(before, after);
                    s.changed.signalAll();
                }
            }
            peerMaxData = Math.min(peer.maxFrameSize(), FrameOutput.MAX_DATA);
        } finally {
            lock.unlock();
        }
        out.peerSettings(peer);
        try {
            out.settingsAck();
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
    }

    @Override
    public void settingsAck() throws Http2Exception {
        guard.overheadFrame("SETTINGS ACK");
        // Nothing waits for it.
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
        boolean none;
        lock.lock();
        try {
            peerGoingAway = true;
            none = streams.isEmpty();
        } finally {
            lock.unlock();
        }
        if (none) {
            closed = true;
        }
    }

    @Override
    public void windowUpdate(int streamId, int increment) throws Http2Exception {
        long after;
        boolean acknowledges;
        lock.lock();
        try {
            if (streamId == 0) {
                sendWindow.grant(increment);
                after = sendWindow.size();
                acknowledges = increment <= sentUnacknowledged;
                sentUnacknowledged = Math.max(0, sentUnacknowledged - increment);
                for (Http2Stream s : streams.values()) {
                    s.changed.signalAll();
                }
            } else {
                Http2Stream s = streams.get(streamId);
                if (s == null) {
                    if (streamId > lastStreamId) {
                        throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR,
                                "WINDOW_UPDATE on idle stream " + streamId);
                    }
                    return;
                }
                s.sendWindow.grant(increment);
                after = s.sendWindow.size();
                acknowledges = increment <= s.sentUnacknowledged;
                s.sentUnacknowledged = Math.max(0, s.sentUnacknowledged - increment);
                s.changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        // A client acknowledging DATA it received, however little, as some do for every frame,
        // costs nothing; small updates for more than it received are a flood, and ones that leave
        // the window small keep the server sending tiny frames (the "data dribble").
        if (increment < FloodGuard.SMALL_WINDOW_UPDATE && (!acknowledges || after < FloodGuard.SMALL_WINDOW_UPDATE)) {
            guard.overheadFrame("WINDOW_UPDATE of " + increment + " bytes to a window of " + after);
        }
    }

    @Override
    public void unknownFrame(int type, int streamId, int flags, int length) throws Http2Exception {
        guard.overheadFrame("a frame of unknown type " + type);
        // Skipped, as section 5.5 says.
    }

    // ---- what streams ask, from their handlers' threads ----

    /** Reads body bytes, waiting for them up to the idle timeout; see {@link StreamRequestBody}. */
    int readBody(Http2Stream s, byte[] b, int off, int len) throws IOException {
        int n = 0;
        lock.lock();
        try {
            long deadline = System.nanoTime() + idleNanos;
            // Bounded by the deadline: each pass takes bytes, ends, or waits until it.
            while (true) {
                // As much as has come, across the pieces it came in (a read of the socket's, not
                // a frame, makes a piece): a handler that writes what it reads sends fewer frames.
                for (byte[] first; n < len && (first = s.body.peekFirst()) != null; ) {
                    int k = Math.min(len - n, first.length - s.bodyOffset);
                    System.arraycopy(first, s.bodyOffset, b, off + n, k);
                    s.bodyOffset += k;
                    n += k;
                    if (s.bodyOffset == first.length) {
                        s.body.removeFirst();
                        s.bodyOffset = 0;
                    }
                }
                if (n > 0) {
                    s.unacknowledged += n;
                    connectionUnacknowledged += n;
                    break;
                }
                if (s.requestEnded) {
                    return -1;
                }
                failIfGone(s);
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                s.changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading the request body");
        } finally {
            lock.unlock();
        }
        if (n == 0) {
            resetStream(s, ErrorCode.CANCEL);
            throw new SocketTimeoutException("no request body bytes within the idle timeout of "
                    + settings.idleTimeout().toMillis() + " ms");
        }
        acknowledge(s);
        return n;
    }

    /** The handler closed the request body: what is buffered and what still comes is dropped. */
    void requestBodyClosed(Http2Stream s) {
        lock.lock();
        try {
            s.bodyClosed = true;
            int unread = -s.bodyOffset;
            for (byte[] chunk : s.body) {
                unread += chunk.length;
            }
            s.body.clear();
            s.bodyOffset = 0;
            s.unacknowledged += unread;
            connectionUnacknowledged += unread;
        } finally {
            lock.unlock();
        }
        acknowledge(s);
    }

    /** @return body bytes buffered for the stream */
    int bodyAvailable(Http2Stream s) {
        lock.lock();
        try {
            long sum = -s.bodyOffset;
            for (byte[] chunk : s.body) {
                sum += chunk.length;
            }
            return (int) Math.min(sum, Integer.MAX_VALUE);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives read (or dropped) body bytes back to the client as window once half a window has
     * gathered, so that a WINDOW_UPDATE goes for many reads, not each.
     */
    private void acknowledge(Http2Stream s) {
        int connection = 0;
        int stream = 0;
        lock.lock();
        try {
            if (connectionUnacknowledged >= CONNECTION_WINDOW / 2) {
                connection = connectionUnacknowledged;
                connectionUnacknowledged = 0;
                receiveWindow.grant(connection);
            }
            if (s != null && s.unacknowledged >= streamWindow / 2 && !s.requestEnded && !s.closed) {
                stream = s.unacknowledged;
                s.unacknowledged = 0;
                s.receiveWindow.grant(stream);
            }
        } catch (Http2Exception e) {
            throw new IllegalStateException("a window given back grew past what was taken: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
        try {
            if (connection > 0) {
                out.windowUpdate(0, connection, stream == 0);
            }
            if (stream > 0) {
                out.windowUpdate(s.id, stream, true);
            }
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
    }

    /**
     * Waits until both windows allow some of {@code want} bytes (up to the idle timeout), and
     * takes them.
     *
     * @return how many bytes may go now, at least 1
     */
    int reserveSendWindow(Http2Stream s, int want) throws IOException {
        int n = takeSendWindow(s, want, 0);
        if (n > 0) {
            return n;
        }
        // The client opens its window only for what it has received: what is gathered goes
        // out before this thread waits for more window.
        out.flush();
        n = takeSendWindow(s, want, System.nanoTime() + idleNanos);
        if (n > 0) {
            return n;
        }
        resetStream(s, ErrorCode.CANCEL);
        throw new SocketTimeoutException("the client opened no window within the idle timeout of "
                + settings.idleTimeout().toMillis() + " ms");
    }

    /**
     * Takes what both windows allow of {@code want}, waiting until the deadline for some.
     *
     * @param deadline System.nanoTime() to wait until; 0 not to wait
     * @return the bytes taken, 0 if the deadline passed with the windows shut
     */
    private int takeSendWindow(Http2Stream s, int want, long deadline) throws IOException {
        lock.lock();
        try {
            // Bounded by the deadline: each pass takes window, fails, or waits until it.
            while (true) {
                failIfGone(s);
                int n = Math.min(Math.min(want, peerMaxData), Math.min(sendWindow.available(), s.sendWindow.available()));
                if (n > 0) {
                    sendWindow.consume(n);
                    s.sendWindow.consume(n);
                    sentUnacknowledged += n;
                    s.sentUnacknowledged += n;
                    return n;
                }
                long left = deadline - System.nanoTime();
                if (deadline == 0 || left <= 0) {
                    return 0;
                }
                s.changed.awaitNanos(left);
            }
        } catch (Http2Exception e) {
            throw new IllegalStateException("took more than a window holds: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the client's window");
        } finally {
            lock.unlock();
        }
    }

    /** Throws if nothing more may be sent or read on the stream; with the lock held. */
    private void failIfGone(Http2Stream s) throws IOException {
        if (s.reset != null) {
            throw new IOException("HTTP/2 " + s + " was reset" + (s.resetByClient ? " by the client" : "")
                    + ": " + s.reset);
        }
        if (closed) {
            throw new IOException("the HTTP/2 connection closed");
        }
    }

    /**
     * Sends a response head; with {@code endStream} it ends the response (see {@link #ending}).
     *
     * @throws IOException if the stream was reset or the connection is gone
     */
    void sendHeaders(Http2Stream s, int status, List<Map.Entry<String, String>> fields, boolean endStream)
            throws IOException {
        Ending e = endStream ? ending(s) : null;
        if (e == null) {
            lock.lock();
            try {
                failIfGone(s);
            } finally {
                lock.unlock();
            }
        }
        out.headers(s.id, status, fields, endStream, false);
        if (e != null) {
            ended(s, e);
        }
    }

    /**
     * Sends one DATA frame, its bytes taken out of the windows already ({@link #reserveSendWindow});
     * with {@code endStream} it ends the response (see {@link #ending}).
     */
    void sendData(Http2Stream s, byte[] b, int off, int len, boolean endStream) throws IOException {
        Ending e = endStream ? ending(s) : null;
        out.data(s.id, b, off, len, endStream, false);
        if (e != null) {
            ended(s, e);
        }
    }

    void flush() throws IOException {
        out.flush();
    }

    /** What a response's end left to do once its last frame is gathered: see {@link #ending}. */
    private record Ending(boolean requestOpen, boolean uncount, boolean last) {
    }

    /**
     * The stream's response is about to end: before its last frame is even gathered, the stream
     * leaves the connection's open streams and frees its slot, so that a client that sees the
     * END_STREAM and opens its next stream at once finds room for it (any thread may flush the
     * gathered frames). A client still sending gets RST_STREAM(NO_ERROR) after it: the response
     * is whole, the rest of the request is not wanted (RFC 9113 section 8.1).
     *
     * @throws IOException if the stream was reset or the connection is gone
     */
    private Ending ending(Http2Stream s) throws IOException {
        lock.lock();
        try {
            failIfGone(s);
            s.responseEnded = true;
            boolean requestOpen = !s.requestEnded;
            if (requestOpen) {
                s.reset = ErrorCode.NO_ERROR;
                remember(s.id);
                s.changed.signalAll();
            }
            boolean uncount = detach(s);
            return new Ending(requestOpen, uncount, streams.isEmpty());
        } finally {
            lock.unlock();
        }
    }

    /** The response's last frame is gathered: out it goes, then the exchange counts as ended. */
    private void ended(Http2Stream s, Ending e) {
        if (e.requestOpen()) {
            try {
                out.rstStream(s.id, ErrorCode.NO_ERROR);
            } catch (IOException io) {
                // The reader sees the failure on its next read.
            }
        }
        afterClose(e.uncount(), e.last());
    }

    /** Resets the stream from this side, once: RST_STREAM goes out, its waiters wake and fail. */
    void resetStream(Http2Stream s, ErrorCode code) {
        lock.lock();
        try {
            if (s.reset != null || s.closed) {
                return;
            }
            s.reset = code;
            s.changed.signalAll();
            remember(s.id);
        } finally {
            lock.unlock();
        }
        closeStream(s);
        try {
            out.rstStream(s.id, code);
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
    }

    /** A stream error the reader found: the stream (if it is open) is reset with its code. */
    private void streamError(Http2Exception e) throws Http2Exception {
        guard.reset(e.code() + " from the server");
        if (dataStream != null && dataStream.id == e.streamId()) {
            // The rest of the frame is dropped (its window given back at its end).
            dataStream = null;
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection from " + remoteAddress() + ": " + e.getMessage());
        Http2Stream s;
        lock.lock();
        try {
            s = streams.get(e.streamId());
            if (s == null) {
                remember(e.streamId());
            }
        } finally {
            lock.unlock();
        }
        if (s != null) {
            resetStream(s, e.code());
            return;
        }
        try {
            out.rstStream(e.streamId(), e.code());
        } catch (IOException io) {
            // The reader sees the failure on its next read.
        }
    }

    /** Takes a done stream off the connection, once: its count ends, its unread body is given back. */
    private void closeStream(Http2Stream s) {
        boolean uncount;
        boolean last;
        lock.lock();
        try {
            if (s.closed || !s.done()) {
                return;
            }
            uncount = detach(s);
            last = streams.isEmpty();
        } finally {
            lock.unlock();
        }
        afterClose(uncount, last);
    }

    /**
     * With the lock held: the done stream leaves the open streams, its unread body is given back
     * and its slot freed (when it may be).
     *
     * @return whether it held an exchange count, which the caller ends ({@link #afterClose})
     */
    private boolean detach(Http2Stream s) {
        if (s.closed) {
            return false;
        }
        if (!s.done()) {
            throw new IllegalStateException(s + " leaves the connection while both sides may still send");
        }
        s.closed = true;
        if (streams.remove(s.id) != s) {
            throw new IllegalStateException(s + " closed but not in the connection's map");
        }
        int unread = -s.bodyOffset;
        for (byte[] chunk : s.body) {
            unread += chunk.length;
        }
        s.body.clear();
        s.bodyOffset = 0;
        connectionUnacknowledged += unread;
        boolean uncount = s.counted;
        s.counted = false;
        releaseSlot(s);
        if (streams.isEmpty()) {
            idleSince = System.nanoTime();
        }
        s.changed.signalAll();
        return uncount;
    }

    /**
     * After a stream left: what is gathered goes out before its exchange counts as ended (the
     * server's stop closes the connection once its exchanges have, and the response must be on
     * its way by then); window it left unread goes back; a connection going away ends with its
     * last stream.
     */
    private void afterClose(boolean uncount, boolean last) {
        if (!last && !closed) {
            flushLater(uncount);
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
        if (last && !closed && goingAway()) {
            // Before the count ends: a stop waiting for it force-closes what is not closing
            // gracefully by then. Not once the reader is ending: it closes, lingering if it must.
            closeNow();
        }
        if (uncount) {
            server.exchangeEnded();
        }
        acknowledge(null);
    }

    /**
     * A response ended while other streams are open: its frames wait for a flush that a thread
     * started now does, once the handler threads already waiting to run have run, so that the
     * responses of one burst of requests leave in one write, not one each. The exchange counts
     * end after that flush, as {@link #afterClose} orders them. The last stream's end flushes at
     * once, taking what was gathered with it.
     */
    private void flushLater(boolean uncount) {
        boolean start;
        lock.lock();
        try {
            if (uncount) {
                flushUncounts++;
            }
            start = !flushPending;
            flushPending = true;
        } finally {
            lock.unlock();
        }
        if (start) {
            try {
                Thread.startVirtualThread(flusher);
            } catch (RuntimeException | OutOfMemoryError e) {
                flushNow();
                throw e;
            }
        }
    }

    /** The flush {@link #flushLater} arranged, and the exchange counts that waited for it. */
    private void flushNow() {
        int uncounts;
        lock.lock();
        try {
            // Cleared before the flush: a response gathered after it arranges a flush of its own.
            flushPending = false;
            uncounts = flushUncounts;
            flushUncounts = 0;
        } finally {
            lock.unlock();
        }
        try {
            out.flush();
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
        for (int i = 0; i < uncounts; i++) {
            server.exchangeEnded();
        }
        acknowledge(null);
    }

    /** @return whether either side said GOAWAY: the connection ends with its last stream */
    private boolean goingAway() {
        lock.lock();
        try {
            return goAwaySent || peerGoingAway;
        } finally {
            lock.unlock();
        }
    }

    /** The stream's handler chain returned: its slot may go once the stream is closed too. */
    private void handlerReturned(Http2Stream s) {
        lock.lock();
        try {
            s.handlerRunning = false;
            releaseSlot(s);
        } finally {
            lock.unlock();
        }
    }

    /**
     * With the lock held: frees the stream's slot once it is closed and either its response went
     * whole (the handler is done with it, whatever its thread still does) or its handler returned.
     * A stream reset before its response ended keeps its slot while its handler runs: resetting
     * streams cannot make the server run more handlers than the limit.
     */
    private void releaseSlot(Http2Stream s) {
        if (s.closed && (s.responseEnded || !s.handlerRunning) && !s.slotFreed) {
            s.slotFreed = true;
            slots--;
            if (slots < 0) {
                throw new IllegalStateException("more stream slots freed than taken");
            }
        }
    }

    /** With the lock held: whether the server reset the stream recently. */
    private boolean wasReset(int id) {
        for (int r : resetIds) {
            if (r == id) {
                return true;
            }
        }
        return false;
    }

    private void remember(int id) {
        lock.lock();
        try {
            resetIds[resetNext] = id;
            resetNext = (resetNext + 1) % RESET_MEMORY;
        } finally {
            lock.unlock();
        }
    }

    /** Sends GOAWAY once, with the last stream this side took, then the connection ends. */
    private void goAway(ErrorCode code, String debug) {
        int last;
        lock.lock();
        try {
            if (goAwaySent) {
                return;
            }
            goAwaySent = true;
            last = lastStreamId;
        } finally {
            lock.unlock();
        }
        try {
            out.goAway(last, code, debug);
        } catch (IOException e) {
            // Going anyway.
        }
    }

    /**
     * Ends the connection gracefully: GOAWAY (if none went); the client reads it and closes, and
     * the reader, seeing that, ends the connection. Closing the socket at once could reset it
     * with the client's frames unread, and a reset can destroy the last response or the GOAWAY
     * before the client reads them; ending the output at once (a FIN right after the last
     * response) made the JDK's client fail a request it had just upgraded. A client that does not
     * close is closed after {@link Transport#LINGER_TIME}.
     */
    private void closeNow() {
        goAway(ErrorCode.NO_ERROR, null);
        if (closing.getAndSet(true)) {
            return;
        }
        try {
            Thread.ofVirtual().start(() -> {
                long end = System.nanoTime() + Transport.LINGER_TIME.toNanos();
                // Bounded by the deadline: a wake-up before it parks again for what is left.
                for (long left = end - System.nanoTime(); left > 0 && !hardClosed; left = end - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(this, left);
                }
                hardClose();
            });
        } catch (RuntimeException | OutOfMemoryError e) {
            hardClose();
        }
    }

    /** Closes the socket now: the reader's read fails, and it ends the connection. */
    private void hardClose() {
        hardClosed = true;
        closed = true;
        transport.close();
    }

    /** The reader's end: every stream still open fails, the connection closes and leaves the books. */
    private void end() {
        closed = true;
        List<Http2Stream> open;
        lock.lock();
        try {
            open = new ArrayList<>(streams.values());
            for (Http2Stream s : open) {
                if (s.reset == null) {
                    s.reset = ErrorCode.CANCEL;
                }
                s.changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        for (Http2Stream s : open) {
            closeStream(s);
        }
        if (lingerOnClose && !forced) {
            transport.closeLingering();
        }
        transport.close();
        if (in.holdsBuffer()) {
            ByteBuffer rest = in.unread();
            rest.position(rest.limit());
            in.consumedTo(rest);
            in.giveBack(server.buffers());
        }
        transport.giveBack();
        server.connectionClosed(this);
    }

    // ---- ServedConnection: the server's books ----

    /** Closes it if no stream is open; else says GOAWAY, so that the client opens no more. */
    @Override
    public boolean closeIfIdle() {
        if (openStreams() == 0) {
            closeNow();
            return true;
        }
        goAway(ErrorCode.NO_ERROR, null);
        return false;
    }

    @Override
    public void closeIfIdleSince(long now) {
        if (openStreams() == 0 && now - idleSince > idleNanos && (armed || ServedConnection.waitsOnClient(thread))) {
            LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection from " + remoteAddress() + " closed: idle for over "
                    + settings.idleTimeout().toMillis() + " ms");
            closeNow();
        }
    }

    /**
     * Closes the connection whatever it is doing; a graceful close under way (GOAWAY said, no
     * stream open) is left to end within its bound, so that its last response is not lost.
     */
    @Override
    public void forceClose() {
        forced = true;
        if (closing.get() && openStreams() == 0) {
            return;
        }
        hardClose();
        lock.lock();
        try {
            for (Http2Stream s : streams.values()) {
                s.changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean countsExchangeRunningOn(Thread t) {
        lock.lock();
        try {
            for (Http2Stream s : streams.values()) {
                if (s.counted && s.exchange != null && s.exchange.handlerRunsOn(t)) {
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean waitsArmed() {
        return armed;
    }

    @Override
    public boolean holdsBuffers() {
        return in.holdsBuffer() || transport.holdsBuffers() || out.holdsBuffer();
    }

    /** @return the streams open now */
    int openStreams() {
        lock.lock();
        try {
            return streams.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Http2Connection[" + remoteAddress() + "]";
    }
}
