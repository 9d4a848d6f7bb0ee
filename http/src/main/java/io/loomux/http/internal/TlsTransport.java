package io.loomux.http.internal;

import io.loomux.Connection;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * TLS through an {@link SSLEngine} over a blocking loomux connection. The engine's buffers are
 * this transport's own: {@code netIn} holds received records not yet unwrapped (read mode),
 * {@code appIn} decrypted bytes not yet handed out (read mode), {@code netOut} one wrapped
 * record on its way out. They come from the server's pool of TLS buffers, and go back to it
 * while the connection waits armed between requests ({@link #giveBack}): an idle TLS connection
 * then holds no buffer.
 *
 * <p>Reads hold {@code readLock}, writes {@code writeLock}: a handler may read the request body
 * on one thread while another writes. An unwrap that needs a wrap (a TLS 1.3 key update, the
 * reply to close_notify) takes {@code writeLock} inside {@code readLock}; nothing takes them the
 * other way round, so the two cannot deadlock.
 */
final class TlsTransport extends Transport {

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final SSLEngine engine;
    private final BufferPool pool;
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    private ByteBuffer netOut;
    private boolean inboundDone;
    /** The one source of a single-buffer wrap; guarded by writeLock. */
    private final ByteBuffer[] one = new ByteBuffer[1];

    /**
     * @param pool where the buffers come from: buffers of its size serve any session whose
     *             sizes fit, others are allocated
     */
    TlsTransport(Connection connection, SSLEngine engine, BufferPool pool) {
        super(connection);
        this.engine = engine;
        this.pool = pool;
        lend();
    }

    /** @return a cleared buffer of at least {@code size} bytes */
    private ByteBuffer take(int size) {
        return size <= pool.size() ? pool.take() : ByteBuffer.allocate(size);
    }

    /**
     * @return whether nothing is buffered either way and the engine waits for nothing: the next
     *     bytes from the client will come with a socket event, so the connection may wait armed
     */
    @Override
    public boolean drained() {
        readLock.lock();
        try {
            return netIn != null && !netIn.hasRemaining() && !appIn.hasRemaining() && !inboundDone
                    && engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
        } finally {
            readLock.unlock();
        }
    }

    /** Hands the buffers back to the pool; only once {@link #drained()}. */
    @Override
    public void giveBack() {
        readLock.lock();
        writeLock.lock();
        try {
            if (netIn == null) {
                return;
            }
            if (netIn.hasRemaining() || appIn.hasRemaining()) {
                throw new IllegalStateException("TLS bytes still buffered");
            }
            pool.give(netIn);
            pool.give(appIn);
            pool.give(netOut);
            netIn = null;
            appIn = null;
            netOut = null;
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    @Override
    public boolean holdsBuffers() {
        readLock.lock();
        try {
            return netIn != null || appIn != null || netOut != null;
        } finally {
            readLock.unlock();
        }
    }

    /** Takes buffers again after {@link #giveBack()}; one a close_notify took meanwhile stays. */
    @Override
    public void lend() {
        readLock.lock();
        writeLock.lock();
        try {
            SSLSession s = engine.getSession();
            if (netIn == null) {
                netIn = take(s.getPacketBufferSize()).flip();
                appIn = take(s.getApplicationBufferSize()).flip();
            }
            if (netOut == null) {
                netOut = take(s.getPacketBufferSize());
            }
        } finally {
            writeLock.unlock();
            readLock.unlock();
        }
    }

    /**
     * Runs the handshake to its end; the connection's read timeout bounds each wait for the
     * client.
     *
     * @throws IOException if the handshake fails or the client goes away
     */
    void handshake() throws IOException {
        readLock.lock();
        try {
            engine.beginHandshake();
            // Bounded: each pass makes progress in the engine or reads from the peer, and the
            // read timeout ends a peer that stops sending.
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_TASK -> runTasks();
                    case NEED_WRAP -> wrapAndSend(EMPTY);
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (!unwrapOnce() && inboundDone) {
                            throw new EOFException("the client closed the connection during the TLS handshake");
                        }
                    }
                    default -> {
                        return;
                    }
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    int read(ByteBuffer dst) throws IOException {
        readLock.lock();
        try {
            // Bounded by the peer: each pass unwraps a record or reads more of one.
            while (!appIn.hasRemaining()) {
                if (inboundDone) {
                    return -1;
                }
                unwrapOnce();
            }
            int n = Math.min(dst.remaining(), appIn.remaining());
            int lim = appIn.limit();
            appIn.limit(appIn.position() + n);
            dst.put(appIn);
            appIn.limit(lim);
            return n;
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Unwraps one record from {@code netIn}, reading from the connection first if no whole
     * record is there.
     *
     * @return true if the engine made progress (decrypted bytes may be in {@code appIn})
     */
    private boolean unwrapOnce() throws IOException {
        if (!netIn.hasRemaining() && !fillNetIn()) {
            return false;
        }
        appIn.compact();
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, appIn);
        } finally {
            appIn.flip();
        }
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (netIn.limit() == netIn.capacity() && netIn.position() == 0) {
                    netIn = grow(netIn, engine.getSession().getPacketBufferSize(), true);
                }
                return fillNetIn();
            }
            case BUFFER_OVERFLOW -> {
                appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), true);
                return true;
            }
            case CLOSED -> {
                inboundDone = true;
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    // The reply to the client's close_notify; best effort.
                    try {
                        wrapAndSend(EMPTY);
                    } catch (IOException ignored) {
                        // The client may already be gone.
                    }
                }
                return false;
            }
            default -> {
                SSLEngineResult.HandshakeStatus hs = r.getHandshakeStatus();
                if (hs == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP
                        && hs != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
                    wrapAndSend(EMPTY);
                }
                return true;
            }
        }
    }

    /** @return false at end of stream (and marks the inbound side done) */
    private boolean fillNetIn() throws IOException {
        netIn.compact();
        int n;
        try {
            n = connection.read(netIn);
        } finally {
            netIn.flip();
        }
        if (n < 0) {
            inboundDone = true;
            try {
                engine.closeInbound();
            } catch (SSLException truncated) {
                // The client closed without close_notify: its last request is still whole, since
                // HTTP frames its own messages. End of stream.
            }
            return false;
        }
        return true;
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            // Bounded: each wrap consumes bytes of src or grows netOut once.
            while (src.hasRemaining()) {
                wrapAndSend(src);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Gathers the buffers into as few records as they fill: a small frame and its head go as one. */
    @Override
    public void write(ByteBuffer[] srcs) throws IOException {
        writeLock.lock();
        try {
            // Bounded: each wrap consumes bytes of srcs or grows netOut once.
            while (anyRemaining(srcs)) {
                wrapAndSend(srcs);
            }
        } finally {
            writeLock.unlock();
        }
    }

    private static boolean anyRemaining(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    private void wrapAndSend(ByteBuffer src) throws IOException {
        writeLock.lock();
        try {
            one[0] = src;
            wrapAndSend(one);
        } finally {
            one[0] = null;
            writeLock.unlock();
        }
    }

    /**
     * Wraps one record from {@code srcs} (or a handshake or close message when they are empty)
     * and sends it. An output buffer too small for the record is grown and the wrap retried, so a
     * reply the engine asked for (a key update, close_notify) is never dropped.
     */
    private void wrapAndSend(ByteBuffer[] srcs) throws IOException {
        writeLock.lock();
        try {
            SSLEngineResult r;
            if (netOut == null) {
                // A close_notify while the connection waits armed, its buffers in the pool.
                netOut = take(engine.getSession().getPacketBufferSize());
            }
            // Bounded: the buffer grows to the session's packet size, which a record fits.
            while (true) {
                netOut.clear();
                r = engine.wrap(srcs, netOut);
                if (r.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    break;
                }
                netOut = grow(netOut, engine.getSession().getPacketBufferSize(), false);
            }
            if (r.getStatus() == SSLEngineResult.Status.CLOSED && netOut.position() == 0) {
                throw new SocketException("TLS connection closed");
            }
            netOut.flip();
            connection.write(netOut);
            if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
            }
        } finally {
            writeLock.unlock();
        }
    }

    private void runTasks() {
        // Inline: the handshake's slow work (key exchange) runs on the connection's own virtual
        // thread, which is what a thread per connection is for.
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int wanted, boolean readMode) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(wanted, b.capacity() * 2));
        if (readMode) {
            bigger.put(b).flip();
        }
        return bigger;
    }

    /** @return the protocol ALPN chose in the handshake, or null or empty if none */
    String applicationProtocol() {
        return engine.getApplicationProtocol();
    }

    @Override
    public SSLSession session() {
        return engine.getSession();
    }

    /** The TLS end (close_notify), then the socket's: a client reading sees a whole stream end. */
    @Override
    public void shutdownOutput() throws IOException {
        closeNotify();
        super.shutdownOutput();
    }

    @Override
    public void close() {
        closeNotify();
        super.close();
    }

    /** close_notify is a courtesy: try it only if no write is in progress, never wait for it. */
    private void closeNotify() {
        if (writeLock.tryLock()) {
            try {
                if (!engine.isOutboundDone()) {
                    engine.closeOutbound();
                    wrapAndSend(EMPTY);
                }
            } catch (IOException | RuntimeException ignored) {
                // The connection is closing anyway.
            } finally {
                writeLock.unlock();
            }
        }
    }
}
