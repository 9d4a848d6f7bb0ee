package io.loomux.server;

import io.loomux.BackendInfo;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.internal.serve.AcceptLoop;
import io.loomux.internal.serve.IdleReaper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.UnaryOperator;

/**
 * A TCP server on loomux: one acceptor thread, and one new virtual thread per connection running
 * the {@link ConnectionHandler} in plain blocking style; or, with a {@link ReadableHandler}, a
 * new virtual thread per turn, only while bytes are there to serve, so that idle connections
 * hold no thread.
 *
 * <p>How it behaves:
 * <ul>
 *   <li><b>Connection limit.</b> At most {@link Builder#maxConnections(int)} connections are
 *       open at once: the acceptor takes a place before it accepts, so the next client waits in
 *       the listen backlog (its TCP handshake completes, it gets no service) until an open
 *       connection closes.</li>
 *   <li><b>Handlers.</b> A connection is closed when its handler returns or throws; what it
 *       throws is logged (an {@link IOException} at DEBUG, being how peers usually go away,
 *       anything else at WARNING) and touches no other connection.</li>
 *   <li><b>Accept errors</b> other than the listener being closed, such as running out of file
 *       descriptors, are counted and followed by a pause that doubles from 10 ms up to 1 s and
 *       resets on the next success, so the acceptor never spins while the open connections go
 *       on being served, and accepts again once some close. Any error is survived, out of
 *       memory included, except one saying the JVM itself is broken; the first of a run is
 *       logged, then at most one line every 10 s until an accept succeeds.</li>
 *   <li><b>Timeouts.</b> Read and write timeouts are set on every accepted connection. The idle
 *       timeout closes a connection that moved no byte either way for that long, whatever its
 *       handler is doing (see {@link Builder#idleTimeout(Duration)}).</li>
 *   <li><b>Shutdown</b> ({@link #shutdown(Duration)}): stop accepting, give handlers a grace
 *       period, then close what is left, which wakes their parked threads with an
 *       exception.</li>
 * </ul>
 *
 * <p>All methods are thread-safe.
 */
public final class TcpServer implements AutoCloseable {

    static final System.Logger LOG = System.getLogger("io.loomux.server");

    // This class is the API and wires the parts, each a class of its own: serving
    // (ThreadPerConnection or Turns, over ServeStrategy), who is being served (Sessions), the
    // idle sweep (IdleSweep), shutdown (GracefulShutdown), the counters (ServerCounters), JMX
    // (ServerJmx) and the builder's checks (BuilderChecks).

    private final InetSocketAddress address;
    private final BackendInfo backend;
    private final int pollers;
    private final int maxConnections;
    private final Duration idleTimeout;

    private final Sessions sessions = new Sessions();
    private final AcceptLoop acceptLoop;
    private final ServerCounters counters;
    private final IdleReaper reaper;
    private final GracefulShutdown shutdown;
    private final ServeStrategy strategy;

    private TcpServer(Builder b, Loomux runtime, boolean ownsRuntime, Listener listener) {
        this.address = listener.localAddress();
        this.backend = runtime.backend();
        this.pollers = runtime.pollers();
        this.maxConnections = b.maxConnections;
        this.idleTimeout = b.idleTimeout;
        this.acceptLoop = new AcceptLoop(listener, maxConnections, this::accepted, LOG);
        this.counters = new ServerCounters(runtime, acceptLoop::errors);
        this.reaper = idleTimeout != null
                ? new IdleReaper(idleTimeout, new IdleSweep(sessions, idleTimeout, counters), LOG, "server " + address)
                : null;
        ServerJmx jmx = b.jmx ? ServerJmx.register(counters, backend, address) : ServerJmx.NONE;
        this.shutdown = new GracefulShutdown(address, sessions, acceptLoop, reaper, jmx, runtime, ownsRuntime,
                counters);
        this.strategy = b.readable != null
                ? new Turns(b.readable, b.turnThreads, sessions, shutdown, b.readTimeout, b.writeTimeout,
                        b.tcpNoDelay, backend.name())
                : new ThreadPerConnection(b.handler, sessions, shutdown, b.readTimeout, b.writeTimeout,
                        b.tcpNoDelay, backend.name());
        if (reaper != null) {
            reaper.start(Thread.ofVirtual().name("loomux-idle-" + address.getPort()));
        }
        acceptLoop.start(Thread.ofVirtual().name("loomux-acceptor-" + address.getPort()));
        LOG.log(System.Logger.Level.DEBUG, () -> "loomux TCP server on " + address + " (backend "
                + backend.name() + ", " + pollers + " pollers, max " + maxConnections + " connections)");
    }

    /**
     * @return a builder; {@link Builder#handler(ConnectionHandler)} or
     *     {@link Builder#readableHandler(ReadableHandler)} is required
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the address the server is bound to, with the actual port when port 0 was asked */
    public InetSocketAddress address() {
        return address;
    }

    /** @return the backend the server's runtime runs on */
    public BackendInfo backend() {
        return backend;
    }

    /** @return the number of poller threads of the server's runtime */
    public int pollers() {
        return pollers;
    }

    /**
     * Reads the counters. See {@link ServerStats} for which are the server's and which the
     * runtime's (a shared runtime's counters include its other users).
     *
     * @return a snapshot
     */
    public ServerStats stats() {
        return counters.stats();
    }

    /**
     * Lists the open connections with their own byte counts and idle time.
     *
     * @return a snapshot, in no particular order
     */
    public List<ConnectionInfo> connections() {
        long now = System.nanoTime();
        List<ConnectionInfo> out = new ArrayList<>();
        for (ServerConnection c : sessions.openConnections()) {
            out.add(c.info(now));
        }
        return out;
    }

    /** @return connections the idle timeout has closed since the server started */
    public long idleClosed() {
        return counters.idleClosed();
    }

    /** @return true once {@link #shutdown(Duration)} has begun */
    public boolean isShutdown() {
        return shutdown.isStopping();
    }

    /** @return true once shutdown has finished */
    public boolean isTerminated() {
        return shutdown.isTerminated();
    }

    /**
     * Shuts the server down gracefully: stops accepting (closes the listener), waits up to
     * {@code grace} for the running handlers to return, then closes every connection still
     * open, which wakes threads parked on them with an exception, interrupts their handler
     * threads, and waits for those to end (for at most 10 s more; a handler still running then
     * is named in a WARNING). Then unregisters the MBean and, unless the runtime was given to
     * the builder, closes the runtime.
     *
     * <p>Idempotent: a later or concurrent call waits for the first to finish and returns its
     * result; if its grace ends sooner, it brings the first call's deadline forward. A handler
     * may call this for its own server: its own thread is then not waited for, its connection
     * is left open to it, and the server's own runtime is closed when that handler returns.
     *
     * <p>If the calling thread is interrupted, shutdown skips to closing everything, finishes
     * its clean-up, and then throws.
     *
     * @param grace how long handlers may go on; zero or negative for none
     * @return true if every handler returned within the grace period
     * @throws InterruptedException if interrupted (the server is shut down all the same, unless
     *     this call was only waiting for another one)
     */
    public boolean shutdown(Duration grace) throws InterruptedException {
        return shutdown.shutdown(grace);
    }

    /**
     * Shuts down with no grace period ({@code shutdown(Duration.ZERO)}). If the calling thread
     * is interrupted, the shutdown still completes and the interrupt status is kept.
     */
    @Override
    public void close() {
        try {
            shutdown(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits until the server has shut down. Called from one of the server's own handlers it
     * would wait for itself: do not.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitTermination() throws InterruptedException {
        shutdown.awaitTermination();
    }

    /**
     * Waits until the server has shut down, or the timeout passes.
     *
     * @param timeout the longest to wait
     * @return true if it has shut down
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return shutdown.awaitTermination(timeout);
    }

    @Override
    public String toString() {
        return "TcpServer[" + address + ", backend " + backend.name() + (shutdown.isStopping() ? ", shut down" : "")
                + "]";
    }

    // ---- accepting --------------------------------------------------------------------------

    /** On the acceptor, holding the connection's permit, which its close gives back. */
    private void accepted(Connection c) {
        long id = counters.connectionAccepted();
        strategy.start(new ServerConnection(id, c, this, idleTimeout != null));
    }

    /** Called once per connection, by its first close, from whichever thread closed it. */
    void connectionClosed(ServerConnection c) {
        counters.connectionClosed();
        acceptLoop.release();
    }

    // ---- builder ----------------------------------------------------------------------------
    // Nested because TcpServer.Builder is its public name (binary TcpServer$Builder): a class of
    // its own would need a nested copy of every setter to keep that name. Its checks are in
    // BuilderChecks; what stays here is the settings, their documentation and start().

    /**
     * Configures and starts a {@link TcpServer}. Setters check their argument at once and throw
     * {@link IllegalArgumentException} saying what is wrong.
     */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private String backend;
        private boolean backendSet;
        private Loomux loomux;
        private int pollers;
        private ConnectionHandler handler;
        private ReadableHandler readable;
        private int maxConnections = 10_000;
        private int backlog = 1024;
        private Duration idleTimeout;
        private Duration readTimeout;
        private Duration writeTimeout;
        private boolean tcpNoDelay = true;
        private boolean jmx = true;
        private UnaryOperator<Listener> listenerWrapper = UnaryOperator.identity();
        private ThreadFactory turnThreads = Thread.ofVirtual().factory();

        private Builder() {
        }

        /**
         * @param a the address to listen on; port 0 picks a free port. Default: the loopback
         *          address ({@code 127.0.0.1}), port 0
         * @return this
         * @throws IllegalArgumentException if null or unresolved
         */
        public Builder address(InetSocketAddress a) {
            this.address = BuilderChecks.address(a);
            return this;
        }

        /**
         * @param name the backend to open, as {@link Loomux#backends()} names it; null for the
         *             default selection ({@value Loomux#BACKEND_PROPERTY}, else the
         *             highest-priority available backend)
         * @return this
         */
        public Builder backend(String name) {
            this.backend = name;
            this.backendSet = name != null;
            return this;
        }

        /**
         * Runs the server on an existing runtime, which the server then does not close. Its
         * counters in {@link ServerStats} are then the runtime's, shared with its other users.
         *
         * @param runtime the runtime; null to have the server open its own
         * @return this
         */
        public Builder loomux(Loomux runtime) {
            this.loomux = runtime;
            return this;
        }

        /**
         * @param n poller threads of the runtime the server opens; 0 for the default
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder pollers(int n) {
            this.pollers = BuilderChecks.pollers(n);
            return this;
        }

        /**
         * @param h serves each connection; required
         * @return this
         * @throws IllegalArgumentException if null
         */
        public Builder handler(ConnectionHandler h) {
            this.handler = BuilderChecks.notNull("handler", h);
            return this;
        }

        /**
         * Serves connections in turns instead, holding no thread while a connection is idle
         * (see {@link ReadableHandler}). Set this or {@link #handler(ConnectionHandler)}.
         *
         * @param h serves each connection, a turn each time bytes arrive
         * @return this
         * @throws IllegalArgumentException if null
         */
        public Builder readableHandler(ReadableHandler h) {
            this.readable = BuilderChecks.notNull("readableHandler", h);
            return this;
        }

        /**
         * @param n the most connections open at once; accepting pauses while this many are open
         *          and resumes when one closes. Default 10,000
         * @return this
         * @throws IllegalArgumentException if less than 1
         */
        public Builder maxConnections(int n) {
            this.maxConnections = BuilderChecks.atLeastOne("maxConnections", n);
            return this;
        }

        /**
         * @param n the listen backlog, where clients wait while the server is at its
         *          connection limit (the kernel may cap it: Linux's {@code somaxconn}).
         *          Default 1024
         * @return this
         * @throws IllegalArgumentException if less than 1
         */
        public Builder backlog(int n) {
            this.backlog = BuilderChecks.atLeastOne("backlog", n);
            return this;
        }

        /**
         * Closes a connection that moved no byte in either direction for this long, whatever
         * its handler is doing; its handler, if parked on it, wakes with an exception.
         *
         * <p>Why a sweeper and not the read timeout: a read timeout fires only while a handler
         * reads, the handler may catch it and go on, and it is the handler's own setting. Here
         * every read and write records its time (one volatile store), and one background
         * thread closes the connections past the limit, checking ten times per timeout period
         * (at most every 10 ms, at least every second). Writes larger than 64 KiB are then
         * issued in 64 KiB slices so that a long write to a slow peer counts as activity.
         *
         * @param d the idle limit; null or zero for none (the default)
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = BuilderChecks.positiveOrNone("idleTimeout", d);
            return this;
        }

        /**
         * @param d the read timeout set on every accepted connection
         *          ({@link Connection#setReadTimeout}); null or zero for none (the default)
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder readTimeout(Duration d) {
            this.readTimeout = BuilderChecks.positiveOrNone("readTimeout", d);
            return this;
        }

        /**
         * @param d the write timeout set on every accepted connection
         *          ({@link Connection#setWriteTimeout}); null or zero for none (the default).
         *          With an idle timeout on, it bounds each 64 KiB slice of a large write
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder writeTimeout(Duration d) {
            this.writeTimeout = BuilderChecks.positiveOrNone("writeTimeout", d);
            return this;
        }

        /**
         * @param on {@code TCP_NODELAY} on every accepted connection; default true, since a
         *           request/response protocol otherwise stalls on Nagle's algorithm meeting the
         *           peer's delayed ACK
         * @return this
         */
        public Builder tcpNoDelay(boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /**
         * @param on register a {@link TcpServerMXBean} as
         *           {@code io.loomux:type=TcpServer,port=<port>} while the server runs; default
         *           true
         * @return this
         */
        public Builder jmx(boolean on) {
            this.jmx = on;
            return this;
        }

        /**
         * For tests: makes the threads of {@link ReadableHandler} turns, e.g. to make starting
         * one fail. A factory that returns null counts as a failed start.
         */
        Builder turnThreads(ThreadFactory factory) {
            this.turnThreads = Objects.requireNonNull(factory);
            return this;
        }

        /** For tests: wraps the listener, e.g. to inject accept failures. */
        Builder listenerWrapper(UnaryOperator<Listener> wrapper) {
            this.listenerWrapper = Objects.requireNonNull(wrapper);
            return this;
        }

        /**
         * Opens the runtime (unless one was given), listens, and starts accepting.
         *
         * @return the running server
         * @throws IllegalArgumentException            if no handler or both kinds were set, or a runtime was
         *     given together with a backend or poller count
         * @throws io.loomux.BackendSelectionException if the backend cannot be selected
         * @throws IOException                         if the runtime fails to open or the
         *     address cannot be bound (a {@link java.net.BindException} when in use)
         */
        public TcpServer start() throws IOException {
            BuilderChecks.oneHandler(handler, readable);
            BuilderChecks.runtimeOrItsSettings(loomux, backendSet, pollers);
            boolean owns = loomux == null;
            Loomux rt = owns ? Loomux.builder().backend(backend).pollers(pollers).build() : loomux;
            try {
                Map<SocketOption<?>, Object> options = Map.of(StandardSocketOptions.SO_REUSEADDR, true);
                Listener l = listenerWrapper.apply(rt.listen(address, backlog, options));
                try {
                    return new TcpServer(this, rt, owns, l);
                } catch (RuntimeException | Error e) {
                    closeQuietly(l);
                    throw e;
                }
            } catch (IOException | RuntimeException | Error e) {
                if (owns) {
                    closeQuietly(rt);
                }
                throw e;
            }
        }

        private static void closeQuietly(AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "closing after a failed start: " + e);
            }
        }
    }
}
