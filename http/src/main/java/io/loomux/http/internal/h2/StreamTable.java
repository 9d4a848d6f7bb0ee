package io.loomux.http.internal.h2;

import io.loomux.http.HttpServerSettings;
import io.loomux.http.internal.ServerCore;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The open streams of one HTTP/2 connection and its flow control, both ways: what the handler
 * threads ask of their streams (read the body, wait for window, send, end, reset) and where a
 * stream leaves the connection. The reader ({@link FrameHandler}) fills the streams from the
 * client's frames; the connection's life ({@link Http2Connection}) ends them all at its end.
 *
 * <p>What the client may send is bounded by the windows this side advertised: a stream's
 * ({@code http2InitialWindowSize}) and the connection's ({@link #CONNECTION_WINDOW}), and both
 * open only as handlers read (or the server drops what no handler will read), so a client can
 * never make the server hold more unread body than the connection's window. What the server
 * sends waits, in the handler's thread, for both of the client's windows.
 *
 * <p>Locking: {@link #lock} is the connection's one lock. It guards every field here but
 * {@code idleSince} (volatile), every {@link Http2Stream}'s fields, and the connection's GOAWAY
 * flags; a stream's waiters wait on its own condition. Methods "with the lock held" are for the
 * reader and the connection, which hold it around a check and the change it decides. Nothing is
 * written to the socket under it ({@link FrameOutput} has its own lock, always taken after this
 * one or alone), so a client that stops reading blocks senders, never the reader.
 *
 * <p>Invariants, checked where they could break: a stream is in the map exactly while it is
 * open ({@code closed} false); each stream holds at most one exchange count, from its opening to
 * its close; the slots in use ({@link #slots}) count streams open or whose handler still runs,
 * and never exceed {@code http2MaxConcurrentStreams}, so a client resetting streams in a loop
 * cannot keep more handlers running than that; a window given back never grows past what was
 * taken.
 */
final class StreamTable {

    /**
     * The connection's receive window: the most request body bytes, over all its streams, that
     * the server holds unread. Larger than a stream's so that a few uploads at once are not
     * slowed by each other.
     */
    static final int CONNECTION_WINDOW = 1 << 20;

    private final Http2Connection connection;
    private final ServerCore server;
    private final HttpServerSettings settings;
    private final FrameOutput out;
    private final int streamWindow;
    private final int maxStreams;
    private final long idleNanos;

    final ReentrantLock lock = new ReentrantLock();
    private final Map<Integer, Http2Stream> streams = new HashMap<>(); // guarded by lock
    private final Collection<Http2Stream> open = Collections.unmodifiableCollection(streams.values());
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
    private final ResetMemory resets = new ResetMemory(); // guarded by lock
    /** When the last stream left (or the connection began); read without the lock. */
    private volatile long idleSince = System.nanoTime();

    StreamTable(Http2Connection connection, ServerCore server, FrameOutput out) {
        this.connection = connection;
        this.server = server;
        this.settings = server.settings();
        this.out = out;
        this.streamWindow = settings.http2InitialWindowSize();
        this.maxStreams = settings.http2MaxConcurrentStreams();
        this.idleNanos = settings.idleTimeout().toNanos();
    }

    // ---- what the reader and the connection ask, with the lock held unless said ----

    /** With the lock held: the open stream of that id, or null. */
    Http2Stream stream(int id) {
        return streams.get(id);
    }

    /** With the lock held: the open streams, a view. */
    Collection<Http2Stream> open() {
        return open;
    }

    /** With the lock held: the highest stream id the client used, 0 before its first. */
    int lastStreamId() {
        return lastStreamId;
    }

    /** With the lock held: a header block opens the stream of this id, higher than any before. */
    void lastStreamId(int id) {
        lastStreamId = id;
    }

    /** With the lock held: a new stream, not yet in the table ({@link #add}); null if no slot is free. */
    Http2Stream newStream(int id, long declaredLength) {
        if (slots >= maxStreams) {
            return null;
        }
        return new Http2Stream(id, lock.newCondition(), peer.initialWindowSize(), streamWindow, declaredLength);
    }

    /** With the lock held: the stream, made by {@link #newStream}, is open and takes a slot. */
    void add(Http2Stream s) {
        streams.put(s.id, s);
        slots++;
    }

    /** At the start: widens the receive window to {@link #CONNECTION_WINDOW}. @return the increment */
    int widenReceiveWindow() throws Http2Exception {
        int increment = CONNECTION_WINDOW - 65_535;
        lock.lock();
        try {
            receiveWindow.grant(increment);
        } finally {
            lock.unlock();
        }
        return increment;
    }

    /** Applies the client's SETTINGS (a new initial window moves every send window). @return them all now */
    Settings applyPeerSettings(Settings delta) throws Http2Exception {
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
            return peer;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A DATA frame of {@code flowLength} bytes (padding included) began: both receive windows shrink.
     *
     * @return the stream its bytes go to, or null if they are dropped (a stream the server reset)
     */
    Http2Stream dataOn(int streamId, int flowLength) throws Http2Exception {
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
                return null;
            }
            if (s.requestEnded) {
                throw Http2Exception.stream(streamId, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
            }
            s.receiveWindow.consume(flowLength);
            return s;
        } finally {
            lock.unlock();
        }
    }

    /** Body bytes no handler will read (padding, DATA dropped) count as read; {@code s} may be null. */
    void dropped(Http2Stream s, int n) {
        lock.lock();
        try {
            connectionUnacknowledged += n;
            if (s != null) {
                s.unacknowledged += n;
            }
        } finally {
            lock.unlock();
        }
        acknowledge(s);
    }

    /** What a WINDOW_UPDATE did: the window's size after it, and whether it gave back only DATA sent. */
    record Opened(long after, boolean acknowledges) {
    }

    /** The client opened the connection's (stream 0) or a stream's send window. @return null if closed */
    Opened windowUpdate(int streamId, int increment) throws Http2Exception {
        lock.lock();
        try {
            if (streamId == 0) {
                sendWindow.grant(increment);
                boolean acknowledges = increment <= sentUnacknowledged;
                sentUnacknowledged = Math.max(0, sentUnacknowledged - increment);
                for (Http2Stream s : streams.values()) {
                    s.changed.signalAll();
                }
                return new Opened(sendWindow.size(), acknowledges);
            }
            Http2Stream s = streams.get(streamId);
            if (s == null) {
                if (streamId > lastStreamId) {
                    throw Http2Exception.connection(ErrorCode.PROTOCOL_ERROR,
                            "WINDOW_UPDATE on idle stream " + streamId);
                }
                return null;
            }
            s.sendWindow.grant(increment);
            boolean acknowledges = increment <= s.sentUnacknowledged;
            s.sentUnacknowledged = Math.max(0, s.sentUnacknowledged - increment);
            s.changed.signalAll();
            return new Opened(s.sendWindow.size(), acknowledges);
        } finally {
            lock.unlock();
        }
    }

    /** @return when the last stream left, or the connection began (System.nanoTime()); no lock needed */
    long idleSince() {
        return idleSince;
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
                for (byte[] first; n < len && (first = s.firstBody()) != null; ) {
                    int k = Math.min(len - n, first.length - s.bodyOffset);
                    System.arraycopy(first, s.bodyOffset, b, off + n, k);
                    s.bodyOffset += k;
                    n += k;
                    if (s.bodyOffset == first.length) {
                        s.removeFirstBody();
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
            int unread = s.dropBody();
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
            return (int) Math.min(s.buffered(), Integer.MAX_VALUE);
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
        if (connection.closed()) {
            throw new IOException("the HTTP/2 connection closed");
        }
    }

    /**
     * Sends a response head; with {@code endStream} it ends the response (see {@link #ending}).
     *
     * @throws IOException if the stream was reset or the connection is gone
     */
    void sendHeaders(Http2Stream s, int status, List<String> fields, boolean endStream)
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

    /** Takes a done stream off the connection, once: its count ends, its unread body is given back. */
    void closeStream(Http2Stream s) {
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
        connectionUnacknowledged += s.dropBody();
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
        if (!last && !connection.closed()) {
            flushLater(uncount);
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            // The reader sees the failure on its next read.
        }
        if (last && !connection.closed() && connection.goingAway()) {
            // Before the count ends: a stop waiting for it force-closes what is not closing
            // gracefully by then. Not once the reader is ending: it closes, lingering if it must.
            connection.closeNow();
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

    /** The stream's handler chain returned: its slot may go once the stream is closed too. */
    void handlerReturned(Http2Stream s) {
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
    boolean wasReset(int id) {
        return resets.contains(id);
    }

    /** Remembers a stream the server reset (or answered and reset); takes the lock. */
    void remember(int id) {
        lock.lock();
        try {
            resets.add(id);
        } finally {
            lock.unlock();
        }
    }
}
