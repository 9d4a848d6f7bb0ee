package io.loomux.http.internal;

import io.loomux.Connection;
import io.loomux.http.HttpServerSettings;

import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One HTTP/1.1 connection, served by a virtual thread: read a request head, run the exchange,
 * repeat while the connection is persistent. Pipelined requests are answered in order (one
 * exchange at a time), and their responses share writes: the output is flushed only when no
 * further request is already buffered.
 *
 * <p>Between requests a plain connection holds no thread and no buffer: once a response is out
 * and nothing more has arrived, it gives its buffers back to the server's {@link BufferPool} and
 * waits armed ({@link Connection#onReadable}); the next request's first bytes start a new thread,
 * which borrows buffers and serves on. So an idle keep-alive connection costs only its objects.
 * A new connection waits for its first bytes the same way, before any thread or buffer.
 * A TLS connection does the same once its transport has nothing buffered either way
 * ({@link Transport#drained()}); while its engine holds bytes that no socket event will announce,
 * its thread reads on.
 *
 * <p>States: {@code IDLE} between requests (the server's stop closes it at once), {@code BUSY}
 * from a request's first byte to the end of its exchange (stop waits for it, up to its delay),
 * {@code CLOSED}. The IDLE-to-BUSY and IDLE-to-CLOSED moves are compare-and-set, so a stop and
 * an arriving request agree on which one won.
 */
final class Http1Connection implements Runnable, ServedConnection {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    static final int IDLE = 0;
    static final int BUSY = 1;
    static final int CLOSED = 2;

    static final int BUFFER = 8192;

    private final ServerCore server;
    private final Connection connection;
    private final HttpServerSettings settings;
    private final SSLEngine engine;
    private Transport transport;
    private HttpInput in;
    private HttpOutput out;
    private byte[] chunkScratch;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private volatile boolean forcedClosed;
    /**
     * Waiting for the next request with no thread (armed): true from just before arming until
     * the event or a close starts the next thread. The reaper takes an armed connection as
     * waiting on its client, as it does a parked thread.
     */
    private volatile boolean armed;
    /** This connection's thread only: the runtime refused the last arm (see {@link #serve}). */
    private boolean armRefused;
    /** Made once: what the next request's thread runs, and how that thread starts. */
    private final Runnable resume = this::resume;
    private final Executor starter = this::startArmed;
    /** System.nanoTime() when the connection last became idle; read by the server's reaper. */
    private volatile long idleSince = System.nanoTime();
    /**
     * No request has begun yet: the reaper closes the connection after the header timeout
     * rather than the idle timeout, so a client that connects and says nothing is not held
     * for the idle timeout.
     */
    private volatile boolean awaitingFirstRequest = true;
    private volatile Thread thread;
    private boolean headerStarted;
    /** The server closes with the client perhaps still sending: close lingering. */
    private boolean lingerOnClose;
    /**
     * Whether this connection holds one of the server's exchange counts: from a request's first
     * byte to the end of its exchange (or of the connection). Written by this connection's thread.
     */
    private volatile boolean counted;
    /** The exchange in progress, while its count is held; read by a stop its handler calls. */
    private volatile ExchangeImpl current;
    /**
     * The exchange switched the connection to another protocol (a WebSocket): this object no
     * longer serves it, and its thread leaves it untouched.
     */
    private volatile boolean handedOver;
    /** Made once: starts the header timeout at a request's first byte. */
    private final Runnable firstByte = this::firstByte;

    Http1Connection(ServerCore server, Connection connection, SSLEngine engine) {
        this.server = server;
        this.connection = connection;
        this.settings = server.settings();
        this.engine = engine;
    }

    ServerCore server() {
        return server;
    }

    HttpInput input() {
        return in;
    }

    HttpOutput output() {
        return out;
    }

    HttpServerSettings settings() {
        return settings;
    }

    byte[] chunkScratch() {
        if (chunkScratch == null) {
            chunkScratch = new byte[ResponseBody.CHUNK];
        }
        return chunkScratch;
    }

    boolean stopping() {
        return server.stopping();
    }

    boolean forcedClosed() {
        return forcedClosed;
    }

    @Override
    public boolean countsExchangeRunningOn(Thread t) {
        ExchangeImpl x = current;
        return counted && x != null && x.handlerRunsOn(t);
    }

    @Override
    public boolean waitsArmed() {
        return armed;
    }

    @Override
    public boolean holdsBuffers() {
        HttpInput i = in;
        HttpOutput o = out;
        Transport t = transport;
        return i != null && i.holdsBuffer() || o != null && o.holdsBuffer() || t != null && t.holdsBuffers();
    }

    /** @return whether a request is in progress: from its first byte to the end of its exchange */
    boolean busy() {
        return state.get() == BUSY;
    }

    InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    /**
     * Closes the connection if it is between requests.
     *
     * @return true if it was idle and is now closed
     */
    @Override
    public boolean closeIfIdle() {
        if (state.compareAndSet(IDLE, CLOSED)) {
            closeTransport();
            return true;
        }
        return false;
    }

    /**
     * Closes the connection if it has been idle longer than the idle timeout, or, before its
     * first request, than the header timeout (it is closed without an answer: a client that
     * never spoke may have opened it ahead of need, and a 408 would be read as the answer to its
     * first request). The server's reaper calls this about once a second, so that a connection
     * waiting for its next request needs no timer of its own: a timed wait per request costs a
     * timer set and cancelled each time.
     *
     * <p>A timeout ends a wait for the client, never one for the server: a connection whose
     * thread has not run yet, or is runnable, is kept (see {@link ServedConnection#waitsOnClient})
     * and looked at again on the next tick.
     *
     * @param now System.nanoTime()
     */
    @Override
    public void closeIfIdleSince(long now) {
        Duration limit = awaitingFirstRequest ? settings.headerTimeout() : settings.idleTimeout();
        if (state.get() == IDLE && now - idleSince > limit.toNanos()
                && (armed || ServedConnection.waitsOnClient(thread)) && closeIfIdle()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "connection from " + connection.remoteAddress() + " closed: "
                    + (awaitingFirstRequest ? "no request began within the header timeout of " : "idle for over ")
                    + limit.toMillis() + " ms");
        }
    }

    /** Closes the connection whatever it is doing; a waiting exchange ends. */
    @Override
    public void forceClose() {
        forcedClosed = true;
        state.set(CLOSED);
        closeTransport();
        Thread t = thread;
        if (t != null) {
            java.util.concurrent.locks.LockSupport.unpark(t);
        }
    }

    private void closeTransport() {
        if (transport != null) {
            transport.close();
        } else {
            try {
                connection.close();
            } catch (IOException ignored) {
                // Released whatever the error.
            }
        }
    }

    private void firstByte() {
        headerStarted = true;
        if (awaitingFirstRequest) {
            awaitingFirstRequest = false;
        }
        in.deadline(System.nanoTime() + settings.headerTimeout().toNanos());
        // Counted before the move to BUSY: a stop() that finds this connection BUSY, and so does
        // not close it as idle, then finds its exchange counted and waits for it.
        startExchange();
        if (!state.compareAndSet(IDLE, BUSY)) {
            endExchange();
        }
    }

    /** Counts this connection's request as an exchange in progress, once. */
    private void startExchange() {
        if (!counted) {
            counted = true;
            server.exchangeStarted();
        }
    }

    /** Ends the count {@link #startExchange()} took, if it took one. */
    private void endExchange() {
        if (counted) {
            counted = false;
            server.exchangeEnded();
        }
    }

    /**
     * Starts serving a new connection: armed, so that no thread waits for its first bytes (a
     * client may open a connection well ahead of its first request), or, when the runtime cannot
     * prove that none have come yet, on a new thread now.
     */
    void start() {
        armed = true;
        boolean ok = false;
        try {
            ok = connection.onReadable(this, starter);
        } finally {
            if (!ok) {
                armed = false;
            }
        }
        if (!ok) {
            Thread.startVirtualThread(this);
        }
    }

    /** The connection's first thread: sets the connection up, then serves. */
    @Override
    public void run() {
        serveOnThisThread(true);
    }

    /** The next request's thread, started by its first bytes (or a close) after an armed wait. */
    private void resume() {
        serveOnThisThread(false);
    }

    /**
     * One thread's part of the connection: it serves until the connection ends, and then ends it,
     * or until it waits armed, and then leaves it to the next thread.
     */
    private void serveOnThisThread(boolean first) {
        thread = Thread.currentThread();
        boolean handedOn = false;
        try {
            if (first ? open() : borrowBuffers()) {
                handedOn = serve();
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "connection from " + connection.remoteAddress() + " ended", e);
        } finally {
            if (!handedOn) {
                end();
            }
        }
    }

    /** @return false if the connection was closed while it was set up */
    private boolean open() throws IOException {
        // A client that stops reading cannot hold a handler forever; a write waits only when
        // the socket buffer is full, so this costs nothing otherwise.
        connection.setWriteTimeout(settings.idleTimeout());
        if (settings.tcpNoDelay()) {
            connection.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
        }
        if (engine != null) {
            TlsTransport tls = new TlsTransport(connection, engine, server.tlsBuffers());
            transport = tls;
            connection.setReadTimeout(settings.headerTimeout());
            tls.handshake();
        } else {
            transport = new PlainTransport(connection);
        }
        if (state.get() == CLOSED) {
            return false;
        }
        BufferPool pool = server.buffers();
        in = new HttpInput(transport, pool.take());
        out = new HttpOutput(transport, pool.take());
        return true;
    }

    /** @return true: the input and output hold buffers of the server's pool again */
    private boolean borrowBuffers() {
        BufferPool pool = server.buffers();
        in.lend(pool.take());
        out.lend(pool.take());
        transport.lend();
        return true;
    }

    /**
     * Starts the thread an armed wait ends in; called once, on a poller thread or on whichever
     * thread closed the connection. If no thread starts, the runtime closes the connection and
     * the task never runs: the server's books must close here.
     */
    private void startArmed(Runnable task) {
        armed = false;
        try {
            Thread.startVirtualThread(task);
        } catch (RuntimeException | OutOfMemoryError e) {
            state.set(CLOSED);
            server.connectionClosed(this);
            throw e;
        }
    }

    /**
     * Waits for the next request with no thread and no buffer, when it can: nothing buffered
     * either way, in the HTTP buffers or the transport's (a TLS engine's), and the runtime sure
     * that nothing has arrived.
     *
     * @return true if armed: the caller's thread must end without touching this connection,
     *     whose next thread may be running already; false to read now, on the caller's thread
     */
    private boolean waitArmed() {
        armRefused = false;
        if (!transport.drained()) {
            return false;
        }
        BufferPool pool = server.buffers();
        in.giveBack(pool);
        out.giveBack(pool);
        transport.giveBack();
        armed = true;
        boolean ok = false;
        try {
            ok = connection.onReadable(resume, starter);
            armRefused = !ok;
            return ok;
        } finally {
            if (!ok) {
                armed = false;
                borrowBuffers();
            }
        }
    }

    /** Ends the connection on its last thread: what is made goes out, then it closes. */
    private void end() {
        if (out != null && !forcedClosed) {
            // Responses already made (pipelined ones, an error page) still go out.
            try {
                out.flush();
            } catch (IOException | RuntimeException ignored) {
                // The connection is going anyway.
            }
        }
        state.set(CLOSED);
        // Responses are out: the server's stop need not wait for this connection any more.
        endExchange();
        if (lingerOnClose && !forcedClosed) {
            // Not counted as an exchange, so the server's stop neither waits for it nor
            // misses it: stop closes every connection still in its set, which ends this.
            transport.closeLingering();
        }
        closeTransport();
        server.connectionClosed(this);
    }

    /**
     * Serves requests until the connection ends or waits armed.
     *
     * @return true if it waits armed (see {@link #waitArmed}); false when the connection ends
     */
    private boolean serve() throws IOException {
        boolean first = true;
        // Bounded by the client: each pass serves one request or ends the connection.
        while (true) {
            boolean nothingBuffered = in.buffered() == 0;
            if (nothingBuffered) {
                out.flush();
            }
            headerStarted = false;
            in.deadline(0);
            // No timeout of its own while idle: the reaper closes it (see closeIfIdleSince).
            in.perReadTimeout(Duration.ZERO);
            idleSince = System.nanoTime();
            // A new connection has read nothing yet, so the runtime could not arm it.
            if (nothingBuffered && !first) {
                if (waitArmed()) {
                    return true;
                }
                // See HttpInput.look; a second refusal in a row reads, waiting, below.
                if (armRefused && in.look() == HttpInput.LOOKED_NOTHING && waitArmed()) {
                    return true;
                }
            }
            if (first && server.http2() != null && switchToHttp2()) {
                return true;
            }
            first = false;
            RequestHead head;
            try {
                head = RequestHead.read(in, settings, firstByte);
            } catch (HttpError e) {
                startExchange();
                try {
                    refuse(e.status, e.getMessage());
                } finally {
                    endExchange();
                }
                return false;
            } catch (SocketTimeoutException e) {
                if (headerStarted) {
                    startExchange();
                    try {
                        refuse(408, "The request header was not received in time");
                    } finally {
                        endExchange();
                    }
                }
                return false;
            }
            if (head == null || state.get() != BUSY) {
                // Ended cleanly, or the server's stop closed it between requests (the count, if
                // the first byte took one, ends with the connection).
                return false;
            }
            in.deadline(0);
            in.perReadTimeout(settings.idleTimeout());
            if (server.http2() != null && settings.http2() && !(transport instanceof TlsTransport)) {
                byte[] h2 = H2cUpgrade.settingsToTake(head, settings);
                if (h2 != null) {
                    upgradeToHttp2(head, h2);
                    return true;
                }
            }
            boolean keep;
            startExchange();
            try {
                keep = exchange(head) && !server.stopping();
                if (handedOver) {
                    return true;
                }
                if (!keep || in.buffered() == 0) {
                    // Before the exchange counts as ended: stop() closes the connection once
                    // it has, and the response must be out by then.
                    out.flush();
                }
            } finally {
                endExchange();
            }
            // Checked again once idle: a stop whose caller was this exchange's handler left the
            // connection open for the response (see ServerCore.stop); it must not wait for
            // another request.
            if (!keep || !state.compareAndSet(BUSY, IDLE) || server.stopping()) {
                return false;
            }
        }
    }

    /**
     * On a new connection, before its first request: if TLS chose h2 (ALPN), or on a plain
     * connection its first bytes are the HTTP/2 client preface (h2c with prior knowledge), the
     * connection becomes an HTTP/2 one, served on this thread until it ends. Else HTTP/1.1 reads
     * the bytes as usual.
     *
     * @return true if the connection was served as HTTP/2 and has ended; this object is done
     */
    private boolean switchToHttp2() throws IOException {
        Http2Service h2 = server.http2();
        boolean chosen = transport instanceof TlsTransport tls
                ? Alpn.H2.equals(tls.applicationProtocol())
                : settings.http2() && in.startsWith(h2.preface());
        if (!chosen) {
            return false;
        }
        awaitingFirstRequest = false;
        out.giveBack(server.buffers());
        out = null;
        h2.serve(server, this, transport, in);
        return true;
    }

    /**
     * Takes a request's {@code Upgrade: h2c} (see {@link H2cUpgrade}): reads its body whole,
     * answers 101, and serves the connection as HTTP/2 on this thread until it ends, the request
     * as stream 1. The request's count moves to the HTTP/2 connection with its stream.
     */
    private void upgradeToHttp2(RequestHead head, byte[] h2Settings) throws IOException {
        byte[] body = new byte[(int) head.contentLength()];
        int got = 0;
        // Bounded by the body's length (at most a stream's window): each pass reads a byte or more.
        while (got < body.length) {
            int n = in.read(body, got, body.length - got);
            if (n < 0) {
                throw new java.io.EOFException("the connection ended inside an upgrading request's body");
            }
            got += n;
        }
        out.writeLatin1("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
        out.flush();
        out.giveBack(server.buffers());
        out = null;
        endExchange();
        server.http2().serveUpgraded(server, this, transport, in,
                new H2cUpgrade(head.method(), head.uri(), head.headers(), body, h2Settings));
    }

    /**
     * On the handler's thread, the 101 written into the output: sends it and hands the output's
     * buffer back. The connection's own thread, running the handler or waiting for it, touches
     * nothing of the connection once it sees {@link #handedOver}.
     */
    void handOver() throws IOException {
        out.flush();
        out.giveBack(server.buffers());
        handedOver = true;
    }

    /** @return the byte stream the connection runs over */
    Transport transport() {
        return transport;
    }

    /**
     * The protocol switched to takes this connection's place in the server's books, and the
     * exchange that switched stops counting (the server's stop no longer waits for it).
     *
     * @return false if the connection had closed already: the new one must end
     */
    boolean handOverTo(ServedConnection next) {
        boolean ok = server.replace(this, next);
        endExchange();
        return ok;
    }

    /** Answers a request that cannot be served, then the connection closes (lingering). */
    private void refuse(int status, String message) throws IOException {
        // The rest of the refused head may still be on its way.
        lingerOnClose = true;
        byte[] body = Status.page(status, message);
        out.writeLatin1(Status.line(status) + "Date: " + Status.date() + "\r\nContent-type: text/html\r\n"
                + "Content-length: " + body.length + "\r\nConnection: close\r\n\r\n");
        out.write(body, 0, body.length);
        out.flush();
    }

    /** @return whether the connection may carry another request */
    private boolean exchange(RequestHead head) throws IOException {
        String path = head.uri().getPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        ContextImpl context = server.findContext(path);
        ExchangeImpl x = new ExchangeImpl(this, head, context);
        if (engine != null) {
            new HttpsExchangeImpl(x, transport.session());
        }
        current = x;
        try {
            return exchange(x, context);
        } finally {
            // Not held while idle: an idle connection keeps no exchange alive.
            current = null;
        }
    }

    private boolean exchange(ExchangeImpl x, ContextImpl context) throws IOException {
        HandlerChain.start(x, context, server.executor());
        if (!x.awaitFinished() || handedOver) {
            return false;
        }
        if (x.closeAfter() && (!x.requestBodyRead() || in.buffered() > 0)) {
            // An unread body (too long to drain, or broken) or pipelined requests: the client
            // may still be sending.
            lingerOnClose = true;
        }
        return !x.closeAfter();
    }

    @Override
    public String toString() {
        return "Http1Connection[" + connection.remoteAddress() + "]";
    }
}
