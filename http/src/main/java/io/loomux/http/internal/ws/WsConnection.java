package io.loomux.http.internal.ws;

import com.sun.net.httpserver.Headers;
import io.loomux.http.internal.HttpInput;
import io.loomux.http.internal.ProtocolSwitch;
import io.loomux.http.internal.ServedConnection;
import io.loomux.http.internal.ServerCore;
import io.loomux.http.internal.Transport;
import io.loomux.http.websocket.Message;
import io.loomux.http.websocket.MessageListener;
import io.loomux.http.websocket.WebSocket;
import io.loomux.http.websocket.WebSocketSettings;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One open WebSocket on a connection an HTTP/1.1 exchange handed over, served in the blocking style
 * ({@link #receive()}) or in turns (a {@link MessageListener}), and its face in the server's books: the server's stop closes it with 1001, the idle reaper pings it
 * and closes it by the WebSocket idle timeout. The bridge from the public package: it is made by
 * {@link #open}.
 *
 * <p>Threads: whoever reads frames holds {@code reading}: a thread in {@link #receive()}, or one
 * in {@link #close(int, String)} waiting for the peer's Close when no thread receives. Sends go
 * through {@link FrameOutput}'s lock. The connection ends once ({@link #end()}): it leaves the
 * books, and whoever waits for the end wakes. The input's buffer goes back to the server's pool
 * only from a thread holding {@code reading} once the connection is closed, so it is never given
 * back while a read uses it.
 *
 * <p>Turns: between messages, with nothing buffered either way, the connection gives its buffers
 * back and waits armed ({@code Connection.onReadable}), as an idle HTTP/1.1 connection does; the
 * peer's next bytes (or a close) start a thread that takes {@code reading}, reads on until a whole
 * message, calls the listener, and arms again. While armed nobody may read: a close started then
 * waits for the turn that the peer's Close (or the close of the socket) starts.
 *
 * <p>permessage-deflate: the decoder is {@link FrameInput}'s, used by whoever holds
 * {@code reading} and closed with the input's buffers ({@link #releaseBuffers()}); the encoder is
 * {@link FrameOutput}'s, used under its lock and closed once nothing more may be sent. Either
 * frees its native zlib memory there; without context takeover neither holds any between
 * messages, in turns or not.
 */
public final class WsConnection implements WebSocket, ServedConnection {

    private static final System.Logger LOG = System.getLogger("io.loomux.http.websocket");
    private static final byte[] NO_BYTES = new byte[0];

    private final ServerCore server;
    private final Transport transport;
    private final HttpInput in;
    private final WebSocketSettings settings;
    private final String subprotocol;
    private final URI uri;
    private final KeptHeaders headers;
    private final FrameInput frames;
    private final FrameOutput out;
    private final long idleNanos;
    private final ReentrantLock reading = new ReentrantLock();
    /** A caller is in {@link #receive()}: a second one at once is refused. */
    private final AtomicBoolean receiver = new AtomicBoolean();
    private final ReentrantLock state = new ReentrantLock();
    private final Condition ended = state.newCondition();
    /** Guarded by {@code state}: the connection has left the books. */
    private boolean over;
    /** Guarded by {@code state}: the server's stop counts this closing WebSocket as an exchange. */
    private boolean stopCounted;
    /** The TCP connection is closed, or closing: nothing more is read. */
    private volatile boolean closed;
    private volatile int peerCode = -1;
    private volatile String peerReason = "";
    /** System.nanoTime() when the peer was last heard, or a receive began. */
    private volatile long lastHeard = System.nanoTime();
    /** A thread waits in {@link #receive()} for the peer. */
    private volatile boolean waiting;
    private volatile boolean pinged;
    /** The turn's thread only: the runtime refused the last arm (see {@link #turn}). */
    private boolean armRefused;
    private final AtomicBoolean idleClosing = new AtomicBoolean();
    /** The turn style's listener, or null in the blocking style. */
    private final MessageListener listener;
    /** Turn style: waiting for the peer's next bytes with no thread; the next turn starts a thread. */
    private volatile boolean armed;
    private final AtomicBoolean closeNotified = new AtomicBoolean();
    /** Made once: what each turn's thread runs, and how it starts. */
    private final Runnable turn = this::turn;
    private final Executor starter = this::startArmed;

    private WsConnection(ProtocolSwitch sw, WebSocketSettings settings, String subprotocol, URI uri, Headers headers,
                         WsExtensions agreed, MessageListener listener) {
        this.listener = listener;
        this.server = sw.server();
        this.transport = sw.transport();
        this.in = sw.input();
        this.settings = settings;
        this.subprotocol = subprotocol;
        this.uri = uri;
        this.headers = KeptHeaders.of(headers);
        this.frames = new FrameInput(in, settings.maxMessageSize(), settings.maxFrameSize(), agreed.deflate());
        this.out = new FrameOutput(transport, agreed.deflate());
        this.idleNanos = settings.idleTimeout().toNanos();
    }

    /**
     * Opens the WebSocket on a connection whose 101 has gone out, and puts it in the server's
     * books in the HTTP/1.1 connection's place.
     *
     * @param sw          the switched connection
     * @param settings    the limits
     * @param subprotocol the chosen subprotocol, "" for none
     * @param uri         the request's URI
     * @param headers     the request's header fields
     * @param agreed      the extensions the 101 agreed to
     * @return the WebSocket (closed already if the server stopped meanwhile)
     */
    public static WebSocket open(ProtocolSwitch sw, WebSocketSettings settings, String subprotocol, URI uri,
                                 Headers headers, WsExtensions agreed) {
        return open(sw, settings, subprotocol, uri, headers, agreed, null);
    }

    private static WsConnection open(ProtocolSwitch sw, WebSocketSettings settings, String subprotocol, URI uri,
                                     Headers headers, WsExtensions agreed, MessageListener listener) {
        WsConnection ws = new WsConnection(sw, settings, subprotocol, uri, headers, agreed, listener);
        ws.transport.setWriteTimeout(settings.sendTimeout());
        ws.in.deadline(0);
        ws.in.perReadTimeout(Duration.ZERO);
        if (!sw.complete(ws)) {
            ws.closeNow();
        }
        return ws;
    }

    /**
     * As {@link #open}, the WebSocket served in turns: the listener's {@code onOpen} runs on the
     * calling thread, then the connection waits armed (or a turn starts at once for bytes already
     * buffered), and this returns.
     *
     * @param listener is called for the WebSocket's messages
     */
    public static void openTurns(ProtocolSwitch sw, WebSocketSettings settings, String subprotocol, URI uri,
                                 Headers headers, WsExtensions agreed, MessageListener listener) {
        WsConnection ws = open(sw, settings, subprotocol, uri, headers, agreed, Objects.requireNonNull(listener));
        try {
            listener.onOpen(ws);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "onOpen of " + ws + " failed", e);
            ws.closeQuietly(CloseCodes.INTERNAL_ERROR, "");
        }
        ws.reading.lock();
        boolean armedNow = false;
        try {
            armedNow = !ws.closed && ws.in.buffered() == 0 && ws.arm();
        } finally {
            ws.reading.unlock();
        }
        if (!armedNow) {
            ws.inBackground(ws.turn);
        }
    }

    // ---- receiving ----

    @Override
    public Message receive() throws IOException {
        if (listener != null) {
            throw new IllegalStateException("this WebSocket's messages go to its MessageListener");
        }
        if (!receiver.compareAndSet(false, true)) {
            throw new IllegalStateException("another thread is in receive()");
        }
        try {
            reading.lock();
            try {
                return readMessage();
            } finally {
                if (closed) {
                    releaseBuffers();
                }
                reading.unlock();
            }
        } finally {
            receiver.set(false);
        }
    }

    /** What a turn's read returns when a control frame was all there was: arm again. */
    private static final Message NOTHING_YET = new Message.Binary(NO_BYTES);

    private Message readMessage() throws IOException {
        heard();
        boolean first = true;
        // Bounded by the peer: each pass takes one message or control frame.
        while (true) {
            if (closed || peerCode >= 0) {
                return null;
            }
            if (!first && listener != null && in.buffered() == 0) {
                return NOTHING_YET;
            }
            first = false;
            int kind;
            waiting = true;
            try {
                kind = frames.next();
            } catch (ProtocolError e) {
                fail(e);
                throw e;
            } catch (IOException e) {
                if (closed) {
                    return null;
                }
                closeNow();
                throw e;
            } finally {
                waiting = false;
            }
            heard();
            switch (kind) {
                case FrameInput.MESSAGE -> {
                    Message m = frames.message();
                    if (!out.closeSent()) {
                        return m;
                    }
                    // Closing: what the peer sent before it saw our Close is dropped.
                }
                case FrameInput.PING -> pong();
                case FrameInput.CLOSE -> {
                    peerClosed();
                    return null;
                }
                case FrameInput.END -> {
                    boolean closing = out.closeSent();
                    closeNow();
                    if (closing) {
                        return null;
                    }
                    throw new EOFException("the peer closed the connection without a Close");
                }
                default -> {
                    // A Pong: heard, nothing more.
                }
            }
        }
    }

    private void heard() {
        lastHeard = System.nanoTime();
        pinged = false;
    }

    private void pong() throws IOException {
        try {
            out.pong(frames.control(), frames.controlLength());
        } catch (IOException e) {
            closeNow();
            throw e;
        }
    }

    /** The peer's Close: answered with its code (RFC 6455 section 5.5.1), then the server closes the connection first. */
    private void peerClosed() {
        peerReason = frames.closeReason();
        peerCode = frames.closeCode();
        try {
            out.close(peerCode == CloseCodes.NO_STATUS ? -1 : peerCode, NO_BYTES);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "answering the Close of " + remoteAddress() + " failed", e);
        }
        closeNow();
    }

    /** The peer broke the protocol: a Close that says how, then the connection closes (lingering, the peer may still send). */
    private void fail(ProtocolError e) {
        LOG.log(System.Logger.Level.DEBUG, () -> "WebSocket from " + remoteAddress() + " failed (" + e.code + "): "
                + e.getMessage());
        byte[] reason = e.getMessage().getBytes(StandardCharsets.UTF_8);
        if (reason.length > 123) {
            reason = NO_BYTES;
        }
        try {
            out.close(e.code, reason);
        } catch (IOException | RuntimeException ignored) {
            // The connection is closing anyway.
        }
        closed = true;
        transport.closeLingering(settings.closeTimeout(), 1 << 20);
        end();
    }

    // ---- sending ----

    @Override
    public void send(Message m) throws IOException {
        switch (m) {
            case Message.Text t -> sendText(t.text());
            case Message.Binary b -> sendBinary(b.bytes());
        }
    }

    @Override
    public void sendText(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        send(FrameInput.TEXT, b);
    }

    @Override
    public void sendBinary(byte[] bytes) throws IOException {
        send(FrameInput.BINARY, bytes);
    }

    @Override
    public void ping(byte[] payload) throws IOException {
        if (payload.length > 125) {
            throw new IllegalArgumentException("a Ping carries at most 125 bytes, not " + payload.length);
        }
        send(FrameInput.OP_PING, payload);
    }

    private void send(int opcode, byte[] b) throws IOException {
        boolean sent;
        try {
            sent = !closed && out.send(opcode, b, 0, b.length);
        } catch (IOException e) {
            // A frame may be cut short: the stream cannot go on.
            closeNow();
            throw e;
        }
        if (!sent) {
            throw new IOException("the WebSocket is closing or closed");
        }
    }

    // ---- closing ----

    @Override
    public void close() throws IOException {
        close(CloseCodes.NORMAL, "");
    }

    @Override
    public void close(int code, String reason) throws IOException {
        if (!CloseCodes.sendable(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent");
        }
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        if (r.length > 123) {
            throw new IllegalArgumentException("a close reason has at most 123 bytes in UTF-8, not " + r.length);
        }
        closeWith(code, r);
    }

    /** Sends the Close, waits for the peer's up to the close timeout, then closes the connection. */
    private void closeWith(int code, byte[] reason) throws IOException {
        if (closed) {
            return;
        }
        try {
            if (!out.close(code, reason)) {
                return;
            }
        } catch (IOException e) {
            closeNow();
            throw e;
        }
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        boolean mine = reading.tryLock();
        if (mine && armed) {
            // Nobody may read while armed: the turn that the peer's Close starts ends the connection.
            reading.unlock();
            mine = false;
        }
        if (mine) {
            try {
                awaitPeerClose(deadline);
            } finally {
                closeNow();
                releaseBuffers();
                reading.unlock();
            }
        } else {
            // A thread in receive() (or the next turn) reads the peer's Close and ends the connection.
            awaitEnd(deadline);
            closeNow();
        }
    }

    /** Holding {@code reading}: reads what comes until the peer's Close, the end, or the deadline. */
    private void awaitPeerClose(long deadline) {
        in.deadline(deadline);
        try {
            // Bounded by the deadline: every read times out by it.
            while (!closed && peerCode < 0) {
                int kind = frames.next();
                if (kind == FrameInput.CLOSE) {
                    peerReason = frames.closeReason();
                    peerCode = frames.closeCode();
                } else if (kind == FrameInput.END) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "no Close from " + remoteAddress() + ": " + e);
        } finally {
            in.deadline(0);
        }
    }

    private void awaitEnd(long deadline) {
        state.lock();
        try {
            // Bounded by the deadline.
            while (!over) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                ended.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            state.unlock();
        }
    }

    /** Closes the TCP connection now; a thread reading wakes and finds it closed. */
    private void closeNow() {
        closed = true;
        transport.close();
        end();
    }

    /** Off the books, once; whoever waits for the end wakes. Nothing more is sent. */
    private void end() {
        out.dispose();
        state.lock();
        try {
            if (over) {
                return;
            }
            over = true;
            if (stopCounted) {
                server.exchangeEnded();
            }
            server.connectionClosed(this);
            ended.signalAll();
        } finally {
            state.unlock();
        }
    }

    /**
     * Holding {@code reading}, the connection closed: the buffers go back to the server's pools,
     * and the decoder's native memory is freed.
     */
    private void releaseBuffers() {
        frames.close();
        if (in.holdsBuffer()) {
            ByteBuffer rest = in.unread();
            rest.position(rest.limit());
            in.consumedTo(rest);
            in.giveBack(server.buffers());
        }
        try {
            transport.giveBack();
        } catch (IllegalStateException stillBuffered) {
            // The engine held bytes no one will read: its buffers are left to the collector.
        }
    }

    private void closeQuietly(int code, String reason) {
        try {
            closeWith(code, reason.getBytes(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the WebSocket of " + remoteAddress() + " failed", e);
        }
    }

    /** Runs a close or a ping off the caller's thread (the stop's, the reaper's): a write may wait. */
    private void inBackground(Runnable r) {
        try {
            Thread.ofVirtual().name("loomux-ws-close").start(r);
        } catch (RuntimeException | OutOfMemoryError e) {
            closeNow();
        }
    }

    // ---- turns ----

    /** One turn, on a thread of its own: messages until nothing is buffered, then armed again, or the end. */
    private void turn() {
        reading.lock();
        boolean armedNow = false;
        try {
            lendBuffers();
            // Bounded by the peer: each pass delivers a message or arms, or the connection ends.
            while (!closed) {
                Message m;
                try {
                    m = readMessage();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "WebSocket from " + remoteAddress() + " ended: " + e);
                    break;
                }
                if (m == null) {
                    break;
                }
                if (m != NOTHING_YET) {
                    deliver(m);
                }
                if (!closed && in.buffered() == 0) {
                    // After a refused arm, see HttpInput.look; a second refusal in a row reads, waiting.
                    if (arm() || armRefused && nothingCame() && arm()) {
                        armedNow = true;
                        return;
                    }
                }
            }
        } finally {
            if (!armedNow) {
                closeNow();
                releaseBuffers();
            }
            reading.unlock();
            if (!armedNow) {
                notifyClose();
            }
        }
    }

    /**
     * One look at the input without waiting (see HttpInput.look).
     *
     * @return true if nothing had arrived; false if bytes came, or the stream ended or failed,
     *     which the turn's next read then meets
     */
    private boolean nothingCame() {
        try {
            return in.look() == HttpInput.LOOKED_NOTHING;
        } catch (IOException e) {
            return false;
        }
    }

    private void deliver(Message m) {
        try {
            listener.onMessage(this, m);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "onMessage of " + this + " failed", e);
            closeQuietly(CloseCodes.INTERNAL_ERROR, "");
        }
    }

    private void notifyClose() {
        if (closeNotified.compareAndSet(false, true)) {
            int code = peerCode;
            try {
                listener.onClose(this, code < 0 ? CloseCodes.ABNORMAL : code, code < 0 ? "" : peerReason);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "onClose of " + this + " failed", e);
            }
        }
    }

    /**
     * Holding {@code reading}, nothing buffered in the input: waits for the peer's next bytes with no
     * thread and no buffer, when the transport holds nothing either.
     *
     * @return true if armed: the caller must not touch the connection's input any more
     */
    private boolean arm() {
        armRefused = false;
        if (!transport.drained()) {
            return false;
        }
        in.giveBack(server.buffers());
        transport.giveBack();
        armed = true;
        waiting = true;
        boolean ok = false;
        try {
            ok = transport.onReadable(turn, starter);
            armRefused = !ok;
            return ok;
        } finally {
            if (!ok) {
                armed = false;
                waiting = false;
                lendBuffers();
            }
        }
    }

    /** Starts the next turn's thread (on a poller's thread, or the closing one): it must not block. */
    private void startArmed(Runnable task) {
        armed = false;
        waiting = false;
        try {
            Thread.startVirtualThread(task);
        } catch (RuntimeException | OutOfMemoryError e) {
            closed = true;
            end();
            throw e;
        }
    }

    private void lendBuffers() {
        if (!in.holdsBuffer()) {
            in.lend(server.buffers().take());
        }
        transport.lend();
    }

    // ---- the server's books ----

    /**
     * The server's stop: the close handshake begins with 1001 (going away), and counts as an
     * exchange in progress, so that a stop with a delay waits for it to end.
     *
     * @return false: the handshake is under way
     */
    @Override
    public boolean closeIfIdle() {
        state.lock();
        try {
            if (over || stopCounted) {
                return over;
            }
            stopCounted = true;
            server.exchangeStarted();
        } finally {
            state.unlock();
        }
        inBackground(() -> closeQuietly(CloseCodes.GOING_AWAY, "server stopping"));
        return false;
    }

    /**
     * The idle reaper's tick: with a thread receiving and nothing heard for half the idle timeout
     * a Ping goes out; for all of it the WebSocket is closed with 1001. A WebSocket whose handler
     * is busy elsewhere (not in {@code receive()}) is never idle: its delay is the server's.
     */
    @Override
    public void closeIfIdleSince(long now) {
        if (closed || !waiting || out.closeSent()) {
            return;
        }
        long quiet = now - lastHeard;
        if (quiet > idleNanos) {
            if (idleClosing.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.DEBUG, () -> "WebSocket from " + remoteAddress() + " closed: idle for over "
                        + TimeUnit.NANOSECONDS.toMillis(idleNanos) + " ms");
                inBackground(() -> closeQuietly(CloseCodes.GOING_AWAY, "idle"));
            }
        } else if (quiet > idleNanos / 2 && !pinged) {
            pinged = true;
            inBackground(() -> {
                try {
                    send(FrameInput.OP_PING, NO_BYTES);
                } catch (IOException ignored) {
                    // Closing or closed: the reader sees it.
                }
            });
        }
    }

    @Override
    public void forceClose() {
        closeNow();
    }

    @Override
    public boolean countsExchangeRunningOn(Thread t) {
        return false;
    }

    @Override
    public boolean waitsArmed() {
        return armed;
    }

    @Override
    public boolean holdsBuffers() {
        return in.holdsBuffer() || transport.holdsBuffers();
    }

    // ---- what it is ----

    @Override
    public boolean isOpen() {
        return !closed && !out.closeSent();
    }

    @Override
    public OptionalInt closeCode() {
        int c = peerCode;
        return c < 0 ? OptionalInt.empty() : OptionalInt.of(c);
    }

    @Override
    public String closeReason() {
        return peerReason;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public URI requestURI() {
        return uri;
    }

    @Override
    public Headers requestHeaders() {
        return headers.headers();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return transport.localAddress();
    }

    @Override
    public String toString() {
        return "WebSocket[" + remoteAddress() + " " + uri + "]";
    }
}
