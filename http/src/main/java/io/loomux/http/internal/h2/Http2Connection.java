package io.loomux.http.internal.h2;

import io.loomux.http.HttpServerSettings;
import io.loomux.http.internal.BufferPool;
import io.loomux.http.internal.H2cUpgrade;
import io.loomux.http.internal.HttpInput;
import io.loomux.http.internal.ServedConnection;
import io.loomux.http.internal.ServerCore;
import io.loomux.http.internal.Transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP/2 connection (RFC 9113), its life from the first frames to the close, and its face
 * in the server's books ({@link ServedConnection}). A reader on the connection's thread takes
 * the client's frames apart ({@link FrameReader}) and hands them to a {@link FrameHandler};
 * between the client's bursts the connection waits armed, with no thread and no input buffer.
 * Each request runs as a {@link StreamExchange} on a virtual thread of its own, through the same
 * filters, authenticator and handler as an HTTP/1.1 one, and works on its stream through the
 * {@link StreamTable}; every thread sends through one {@link FrameOutput}.
 *
 * <p>Locking: the table's lock ({@link StreamTable#lock}) also guards {@link #goAwaySent} and
 * {@link #peerGoingAway}; the close flags are volatile, read by any thread without it. Nothing is
 * written to the socket under the lock ({@link FrameOutput}'s own lock is taken after it or
 * alone).
 *
 * <p>Invariants: one reader thread at a time (the next starts only from an armed wait, after the
 * last gave the input back); GOAWAY goes once; a connection that either side said GOAWAY on ends
 * with its last stream; at its end every stream still open is reset and leaves the books before
 * the connection does.
 */
final class Http2Connection implements ServedConnection {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    private final ServerCore server;
    private final HttpServerSettings settings;
    private final Transport transport;
    private final HttpInput in;
    private final FrameOutput out;
    private final FrameReader reader;
    private final StreamTable table;
    private final FrameHandler frames;
    private final int streamWindow;
    private final int maxStreams;
    private final long idleNanos;

    private boolean goAwaySent; // guarded by table.lock
    private boolean peerGoingAway; // guarded by table.lock
    private volatile boolean closed;
    /** A graceful close began ({@link #closeNow}): GOAWAY said, the client's close awaited. */
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    /** The socket was closed at once. */
    private volatile boolean hardClosed;
    /** The server closed it (its stop): no lingering. */
    private volatile boolean forced;
    /** After a connection error, the reader's thread: close lingering, the client may still send. */
    private boolean lingerOnClose;
    /** The reader's thread now, or the last one, or null before the first. */
    private volatile Thread thread;
    /** Waiting for the client's next bytes with no thread (armed); the reaper counts it as waiting on the client. */
    private volatile boolean armed;
    /** The reader's thread only: the last arm was refused (see {@link #read}). */
    private boolean armRefused;
    /** Our SETTINGS went and the client has not acknowledged them yet. */
    private volatile boolean settingsAwaited;
    /** System.nanoTime() by which the client must have acknowledged our SETTINGS. */
    private volatile long settingsDeadline;
    /** Made once: what the next reader's thread runs, and how that thread starts. */
    private final Runnable resume = this::resume;
    private final java.util.concurrent.Executor starter = this::startArmed;

    Http2Connection(ServerCore server, Transport transport, HttpInput in) {
        this.server = server;
        this.settings = server.settings();
        this.transport = transport;
        this.in = in;
        this.out = new FrameOutput(transport, server.frameBuffers());
        this.reader = FrameReader.server(settings.http2MaxFrameSize());
        this.table = new StreamTable(this, server, out);
        this.frames = new FrameHandler(this, table, server, transport.session(), in, out);
        this.streamWindow = settings.http2InitialWindowSize();
        this.maxStreams = settings.http2MaxConcurrentStreams();
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
        settingsDeadline = System.nanoTime() + settings.headerTimeout().toNanos();
        settingsAwaited = true;
        out.settings(ours);
        out.windowUpdate(0, table.widenReceiveWindow(), upgrade == null);
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
            armRefused = false;
            return false;
        }
        BufferPool pool = server.buffers();
        in.giveBack(pool);
        transport.giveBack();
        armed = true;
        boolean ok = false;
        try {
            ok = transport.onReadable(resume, starter);
            armRefused = !ok;
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
        Settings peer = table.applyPeerSettings(given);
        table.lock.lock();
        try {
            table.lastStreamId(1);
        } finally {
            table.lock.unlock();
        }
        out.peerSettings(peer);
        out.flush();
        FrameHandler.Request r = new FrameHandler.Request(u.method(), u.uri(), u.headers(), false, u.body().length);
        if (frames.start(1, r, true, u.body()) == null) {
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
                reader.feed(view, frames);
            } catch (Http2Exception e) {
                in.consumedTo(view);
                if (e.isConnectionError()) {
                    throw e;
                }
                frames.streamError(e);
                // The reader goes on where it stopped.
                continue;
            }
            in.consumedTo(view);
            if (waitArmed()) {
                return true;
            }
            if (armRefused) {
                // See HttpInput.look; a second refusal in a row reads, waiting, below.
                int looked = in.look();
                if (looked == HttpInput.LOOKED_ENDED) {
                    return false;
                }
                if (looked == HttpInput.LOOKED_MORE) {
                    continue;
                }
                if (waitArmed()) {
                    return true;
                }
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

    /** @return whether the connection is closed, or its reader ends at its next pass */
    boolean closed() {
        return closed;
    }

    /** With the table's lock held: whether a new stream is refused (GOAWAY went, closed, the server stops). */
    boolean refusesStreams() {
        return goAwaySent || closed || server.stopping();
    }

    /** The client said GOAWAY: it opens no more streams, and with none open the connection ends. */
    void peerGoesAway() {
        boolean none;
        table.lock.lock();
        try {
            peerGoingAway = true;
            none = table.open().isEmpty();
        } finally {
            table.lock.unlock();
        }
        if (none) {
            closed = true;
        }
    }

    /** @return whether either side said GOAWAY: the connection ends with its last stream */
    boolean goingAway() {
        table.lock.lock();
        try {
            return goAwaySent || peerGoingAway;
        } finally {
            table.lock.unlock();
        }
    }

    /** The client acknowledged the server's SETTINGS. */
    void settingsAcknowledged() {
        settingsAwaited = false;
    }

    /** Sends GOAWAY once, with the last stream this side took, then the connection ends. */
    private void goAway(ErrorCode code, String debug) {
        int last;
        table.lock.lock();
        try {
            if (goAwaySent) {
                return;
            }
            goAwaySent = true;
            last = table.lastStreamId();
        } finally {
            table.lock.unlock();
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
    void closeNow() {
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
        table.lock.lock();
        try {
            open = new ArrayList<>(table.open());
            for (Http2Stream s : open) {
                if (s.reset == null) {
                    s.reset = ErrorCode.CANCEL;
                }
                s.changed.signalAll();
            }
        } finally {
            table.lock.unlock();
        }
        for (Http2Stream s : open) {
            table.closeStream(s);
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
        if (settingsAwaited && now - settingsDeadline > 0 && !closing.get()) {
            // RFC 9113 section 6.5.3: the client may be holding the connection to settings it
            // never took; it has had as long as a request head may take.
            String why = "SETTINGS not acknowledged within the header timeout of "
                    + settings.headerTimeout().toMillis() + " ms";
            LOG.log(System.Logger.Level.DEBUG, () -> "HTTP/2 connection from " + remoteAddress() + " closed: " + why);
            goAway(ErrorCode.SETTINGS_TIMEOUT, why);
            closeNow();
            return;
        }
        if (openStreams() == 0 && now - table.idleSince() > idleNanos && (armed || ServedConnection.waitsOnClient(thread))) {
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
        table.lock.lock();
        try {
            for (Http2Stream s : table.open()) {
                s.changed.signalAll();
            }
        } finally {
            table.lock.unlock();
        }
    }

    @Override
    public boolean countsExchangeRunningOn(Thread t) {
        table.lock.lock();
        try {
            for (Http2Stream s : table.open()) {
                if (s.counted && s.exchange != null && s.exchange.handlerRunsOn(t)) {
                    return true;
                }
            }
            return false;
        } finally {
            table.lock.unlock();
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
        table.lock.lock();
        try {
            return table.open().size();
        } finally {
            table.lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Http2Connection[" + remoteAddress() + "]";
    }
}
