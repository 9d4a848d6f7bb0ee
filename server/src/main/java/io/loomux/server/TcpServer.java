package io.loomux.server;

import io.loomux.BackendInfo;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.RuntimeStats;
import io.loomux.internal.serve.AcceptLoop;
import io.loomux.internal.serve.IdleReaper;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

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

    /** How long shutdown waits for the acceptor to notice the closed listener. */
    private static final Duration ACCEPTOR_JOIN = Duration.ofSeconds(5);
    /**
     * How long shutdown waits for handler threads after it closed their connections (and
     * interrupted them). A handler that ignores both, e.g. one spinning in computation, would
     * otherwise hold shutdown forever; past this it is named in a WARNING and left running.
     */
    static final Duration FORCE_WAIT = Duration.ofSeconds(10);

    private final Loomux runtime;
    private final boolean ownsRuntime;
    private final Listener listener;
    private final InetSocketAddress address;
    private final BackendInfo backend;
    private final int pollers;
    private final ConnectionHandler handler;
    private final ReadableHandler readable;
    private final int maxConnections;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final Duration idleTimeout;
    private final boolean tcpNoDelay;
    private final ThreadFactory turnThreads;

    /** Handler threads still running, with their connection. A thread leaves when it ends. */
    private final ConcurrentHashMap<Thread, ServerConnection> sessions = new ConcurrentHashMap<>();
    /**
     * With a {@link ReadableHandler}: connections between turns, waiting in the poller with no
     * thread. A connection joins before it is armed and leaves once its next turn's thread is in
     * {@link #sessions}, so shutdown, which closes these, never misses one in passing.
     */
    private final Set<ServerConnection> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong idleClosed = new AtomicLong();

    /** Guards the shutdown deadline; {@link #changed} is signalled when a handler ends during
     * shutdown or a later shutdown call brings the deadline forward. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private boolean deadlineSet; // guarded by lock
    private long forceDeadline; // System.nanoTime(); guarded by lock

    /** Set once, by the first shutdown; read by handlers as they end and by the acceptor. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean cleanShutdown;
    /** The runtime's counters as shutdown left them, so stats() works after the runtime closed. */
    private volatile RuntimeStats finalRuntimeStats;
    /** Set when a handler shut the server down: the last session to end closes the runtime. */
    private volatile boolean closeRuntimeWhenHandlersEnd;
    private final AtomicBoolean runtimeClosed = new AtomicBoolean();

    private final AcceptLoop acceptLoop;
    private final IdleReaper reaper;
    private final ObjectName jmxName;

    private TcpServer(Builder b, Loomux runtime, boolean ownsRuntime, Listener listener) {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.listener = listener;
        this.address = listener.localAddress();
        this.backend = runtime.backend();
        this.pollers = runtime.pollers();
        this.handler = b.handler;
        this.readable = b.readable;
        this.maxConnections = b.maxConnections;
        this.readTimeout = b.readTimeout;
        this.writeTimeout = b.writeTimeout;
        this.idleTimeout = b.idleTimeout;
        this.tcpNoDelay = b.tcpNoDelay;
        this.turnThreads = b.turnThreads;
        this.acceptLoop = new AcceptLoop(listener, maxConnections, this::accepted, LOG);
        this.reaper = idleTimeout != null ? new IdleReaper(idleTimeout, this::sweep, LOG, "server " + address) : null;
        this.jmxName = b.jmx ? registerMBean() : null;
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
        RuntimeStats r = finalRuntimeStats;
        if (r == null) {
            r = runtime.stats();
        }
        return new ServerStats(accepted.get(), active.get(), r.bytesRead(), r.bytesWritten(), r.parks(),
                r.polls(), r.events(), r.eventsPerPoll(), r.timeouts(), acceptLoop.errors());
    }

    /**
     * Lists the open connections with their own byte counts and idle time.
     *
     * @return a snapshot, in no particular order
     */
    public List<ConnectionInfo> connections() {
        long now = System.nanoTime();
        List<ConnectionInfo> out = new ArrayList<>();
        for (ServerConnection c : openConnections()) {
            out.add(c.info(now));
        }
        return out;
    }

    /** Each open connection once, whether a thread serves it or it waits between turns. */
    private Set<ServerConnection> openConnections() {
        Set<ServerConnection> all = new HashSet<>(sessions.values()); // identity: no equals of its own
        all.addAll(waiting);
        all.removeIf(ServerConnection::isClosed);
        return all;
    }

    /** @return connections the idle timeout has closed since the server started */
    public long idleClosed() {
        return idleClosed.get();
    }

    /** @return true once {@link #shutdown(Duration)} has begun */
    public boolean isShutdown() {
        return stopping.get();
    }

    /** @return true once shutdown has finished */
    public boolean isTerminated() {
        return terminated.getCount() == 0;
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
        Objects.requireNonNull(grace, "grace");
        long deadline = deadlineAfter(grace);
        if (!stopping.compareAndSet(false, true)) {
            bringDeadlineForward(deadline);
            terminated.await();
            return cleanShutdown;
        }
        bringDeadlineForward(deadline);
        InterruptedException interrupted = null;
        boolean clean = false;
        try {
            acceptLoop.stop(); // closes the listener, wakes the acceptor wherever it waits
            try {
                if (!acceptLoop.join(ACCEPTOR_JOIN)) {
                    LOG.log(System.Logger.Level.WARNING, "loomux acceptor of " + address + " did not stop within "
                            + ACCEPTOR_JOIN.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                interrupted = e;
            }
            // From here no new session appears: the acceptor has ended (or is stuck, logged).
            // Connections between turns have nothing in progress: they close now, not after the
            // grace (closing one runs its turn, which sees the close and ends).
            closeWaiting();
            if (interrupted == null) {
                try {
                    clean = awaitHandlers(this::forceDeadline);
                } catch (InterruptedException e) {
                    interrupted = e;
                }
            }
            if (!clean) {
                forceClose();
                if (interrupted == null) {
                    long end = System.nanoTime() + FORCE_WAIT.toNanos();
                    try {
                        if (!awaitHandlers(() -> end)) {
                            LOG.log(System.Logger.Level.WARNING, "loomux server " + address
                                    + ": handlers still running after their connections were closed: "
                                    + runningHandlers());
                        }
                    } catch (InterruptedException e) {
                        interrupted = e;
                    }
                }
            }
        } finally {
            finish(clean);
        }
        if (interrupted != null) {
            throw interrupted;
        }
        return clean;
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
        terminated.await();
    }

    /**
     * Waits until the server has shut down, or the timeout passes.
     *
     * @param timeout the longest to wait
     * @return true if it has shut down
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "TcpServer[" + address + ", backend " + backend.name() + (stopping.get() ? ", shut down" : "") + "]";
    }

    // ---- accepting --------------------------------------------------------------------------

    /** On the acceptor, holding the connection's permit, which its close gives back. */
    private void accepted(Connection c) {
        active.incrementAndGet();
        long id = accepted.incrementAndGet();
        ServerConnection sc = new ServerConnection(id, c, this, idleTimeout != null);
        if (readable != null) {
            startTurns(sc);
        } else {
            startSession(sc);
        }
    }

    private void startSession(ServerConnection c) {
        Thread t;
        try {
            t = Thread.ofVirtual().name("loomux-conn-" + c.id).unstarted(() -> runSession(c));
            sessions.put(t, c);
            t.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            // No thread, no service: close it rather than leave the client hanging.
            LOG.log(System.Logger.Level.WARNING, "loomux could not start a thread for " + c + ": " + e);
            sessions.values().remove(c);
            c.closeQuietly();
        }
    }

    private void runSession(ServerConnection c) {
        try {
            configure(c);
            handler.handle(c);
        } catch (Throwable t) {
            handlerEnded(c, t);
        } finally {
            c.closeQuietly();
            sessionEnded(Thread.currentThread());
        }
    }

    /** Logs how a handler ended by throwing: peers going away at DEBUG, anything else at WARNING. */
    private static void handlerEnded(ServerConnection c, Throwable t) {
        if (t instanceof IOException) {
            LOG.log(System.Logger.Level.DEBUG, () -> c + " ended: " + t);
        } else if (t instanceof InterruptedException) {
            LOG.log(System.Logger.Level.DEBUG, () -> c + " interrupted");
        } else {
            LOG.log(System.Logger.Level.WARNING, "loomux handler of " + c + " threw", t);
        }
    }

    /**
     * A handler thread (a session, or a run of turns) ends, or never started ({@code me} null if
     * it was not even made); its connection is closed or armed.
     */
    private void sessionEnded(Thread me) {
        if (me != null) {
            sessions.remove(me);
        }
        if (closeRuntimeWhenHandlersEnd && sessions.isEmpty() && waiting.isEmpty()) {
            closeRuntime();
        }
        if (stopping.get()) {
            // Wake the shutdown waiting for handlers. Read after the remove: if shutdown
            // started later, its own check sees the remove; if earlier, it gets the signal.
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---- turns (ReadableHandler) ------------------------------------------------------------

    /** On the acceptor: a connection starts out waiting; its first turn runs when bytes arrive. */
    private void startTurns(ServerConnection c) {
        try {
            configure(c);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> c + " could not be configured: " + e);
            c.closeQuietly();
            return;
        }
        c.turn = () -> runTurns(c);
        c.turnStarter = task -> startTurn(c, task);
        waitOrRun(c);
    }

    /**
     * Starts the connection's first turn: armed, or, when bytes may already be there, on a new
     * thread now.
     */
    private void waitOrRun(ServerConnection c) {
        try {
            if (armNextTurn(c)) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "loomux could not arm " + c, e);
            c.closeQuietly();
            return;
        }
        if (stopping.get()) {
            c.closeQuietly();
            return;
        }
        startTurn(c, c.turn);
    }

    /**
     * Starts a thread for a turn of {@code c}: on the acceptor, on a poller (bytes arrived), or
     * on whichever thread closed the connection. The thread joins {@link #sessions} before
     * {@code c} leaves {@link #waiting}, so shutdown never misses it. When no thread starts, the
     * connection closes here, through the server's own wrapper: it leaves waiting, its permit
     * comes back, and a shutdown waiting for it is told. Quick and non-blocking, as a poller
     * needs; never throws.
     */
    private void startTurn(ServerConnection c, Runnable turn) {
        Thread t = null;
        try {
            t = turnThreads.newThread(turn);
            if (t == null) {
                throw new java.util.concurrent.RejectedExecutionException("the thread factory made no thread");
            }
            sessions.put(t, c);
            waiting.remove(c);
            t.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.log(System.Logger.Level.WARNING, "loomux could not start a thread for " + c + ": " + e);
            waiting.remove(c);
            c.closeQuietly();
            sessionEnded(t);
        }
    }

    /**
     * Leaves the connection waiting for its next turn without a thread. It joins
     * {@link #waiting} before it is armed, and the shutdown flag is read after the join: a
     * shutdown that began earlier is seen here, one that begins later finds the connection in
     * waiting and closes it, which runs the turn.
     *
     * @return true if armed; false if shutdown has begun or bytes may be there already (the
     *     caller closes or serves now); {@code c} is then not in waiting
     */
    private boolean armNextTurn(ServerConnection c) {
        waiting.add(c);
        try {
            if (!stopping.get() && c.onReadable(c.turn, c.turnStarter)) {
                return true;
            }
        } catch (RuntimeException e) {
            waiting.remove(c);
            throw e;
        }
        waiting.remove(c);
        return false;
    }

    /**
     * One thread's run of turns: serves, and while bytes may be waiting serves again on this
     * thread; ends by arming the connection (no thread until the next bytes) or closing it.
     */
    private void runTurns(ServerConnection c) {
        Thread me = Thread.currentThread(); // in sessions already: startTurn put it there
        boolean armed = false;
        try {
            // Each pass is one turn; it ends when the handler declines, the connection closes,
            // shutdown begins, or the connection could be armed.
            while (!c.isClosed() && readable.serve(c) && !c.isClosed()) {
                if (armNextTurn(c)) {
                    armed = true;
                    break;
                }
                if (stopping.get()) {
                    break;
                }
            }
        } catch (Throwable t) {
            handlerEnded(c, t);
        } finally {
            if (!armed) {
                c.closeQuietly();
            }
            sessionEnded(me);
        }
    }

    private void configure(ServerConnection c) throws IOException {
        if (readTimeout != null) {
            c.setReadTimeout(readTimeout);
        }
        if (writeTimeout != null) {
            c.setWriteTimeout(writeTimeout);
        }
        try {
            c.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
        } catch (UnsupportedOperationException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "backend " + backend.name() + " has no TCP_NODELAY: " + e);
        }
    }

    /** Called once per connection, by its first close, from whichever thread closed it. */
    void connectionClosed(ServerConnection c) {
        active.decrementAndGet();
        acceptLoop.release();
    }

    // ---- idle timeout -----------------------------------------------------------------------

    /** Each tick of the reaper; what a sweep throws, the reaper logs. */
    private void sweep(long now) {
        long limit = idleTimeout.toNanos();
        sweep(sessions.values(), now, limit);
        sweep(waiting, now, limit);
    }

    private void sweep(Iterable<ServerConnection> connections, long now, long limit) {
        for (ServerConnection c : connections) {
            if (!c.isClosed() && c.idleNanos(now) >= limit) {
                idleClosed.incrementAndGet();
                LOG.log(System.Logger.Level.DEBUG, () -> "closing " + c + ": idle for " + idleTimeout);
                c.closeQuietly();
            }
        }
    }

    // ---- shutdown ---------------------------------------------------------------------------

    private static long deadlineAfter(Duration grace) {
        long now = System.nanoTime();
        if (grace.isNegative() || grace.isZero()) {
            return now;
        }
        long nanos;
        try {
            nanos = grace.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE / 4; // centuries: as good as forever, without overflow below
        }
        return now + Math.min(nanos, Long.MAX_VALUE / 4);
    }

    private void bringDeadlineForward(long deadline) {
        lock.lock();
        try {
            if (!deadlineSet || deadline - forceDeadline < 0) {
                forceDeadline = deadline;
                deadlineSet = true;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private long forceDeadline() {
        // Only called with the lock held (from awaitHandlers).
        return forceDeadline;
    }

    /**
     * Waits until every handler thread other than the caller's has ended, or the deadline.
     *
     * @return true if they all ended
     */
    private boolean awaitHandlers(LongSupplier deadline) throws InterruptedException {
        lock.lock();
        try {
            // Bounded by the deadline: each pass waits at most until it.
            while (othersRunning()) {
                long left = deadline.getAsLong() - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean othersRunning() {
        int n = sessions.size();
        return n > (sessions.containsKey(Thread.currentThread()) ? 1 : 0) || !waiting.isEmpty();
    }

    private void closeWaiting() {
        for (ServerConnection c : waiting) {
            c.closeQuietly();
        }
    }

    private void forceClose() {
        Thread me = Thread.currentThread();
        int n = 0;
        for (Map.Entry<Thread, ServerConnection> e : sessions.entrySet()) {
            if (e.getKey() == me) {
                continue;
            }
            n++;
            e.getValue().closeQuietly();
            // For a handler blocked on something other than its connection (a queue, a lock).
            e.getKey().interrupt();
        }
        closeWaiting();
        int closed = n;
        if (closed > 0) {
            LOG.log(System.Logger.Level.DEBUG, () -> "loomux server " + address + ": grace over, closed "
                    + closed + " connections");
        }
    }

    private String runningHandlers() {
        return sessions.keySet().stream().map(Thread::getName).sorted().collect(Collectors.joining(", "));
    }

    private void finish(boolean clean) {
        try {
            if (reaper != null) {
                reaper.stop();
            }
            unregisterMBean();
            if (!ownsRuntime) {
                freezeStats(); // a shared runtime goes on counting for its other users
            } else if (sessions.containsKey(Thread.currentThread())) {
                // A handler shut its own server down: closing the runtime now would close the
                // connection it is still using. Its session's end closes the runtime instead.
                closeRuntimeWhenHandlersEnd = true;
            } else {
                closeRuntime();
            }
        } finally {
            cleanShutdown = clean;
            terminated.countDown();
        }
    }

    private void freezeStats() {
        try {
            finalRuntimeStats = runtime.stats();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "reading runtime stats at shutdown: " + e);
        }
    }

    private void closeRuntime() {
        if (!runtimeClosed.compareAndSet(false, true)) {
            return;
        }
        freezeStats();
        try {
            runtime.close();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the loomux runtime of " + address + " failed", e);
        }
    }

    // ---- JMX --------------------------------------------------------------------------------

    private ObjectName registerMBean() {
        try {
            ObjectName name = new ObjectName("io.loomux:type=TcpServer,port=" + address.getPort());
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            mbs.registerMBean(new Jmx(), name);
            return name;
        } catch (InstanceAlreadyExistsException e) {
            // Two servers on one port (different addresses): counters are not worth failing for.
            LOG.log(System.Logger.Level.WARNING, "loomux server " + address + ": an MBean for port "
                    + address.getPort() + " is already registered; this server has none");
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "loomux server " + address + ": cannot register its MBean", e);
        }
        return null;
    }

    private void unregisterMBean() {
        if (jmxName == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(jmxName);
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "unregistering " + jmxName + ": " + e);
        }
    }

    /** The MXBean: reads the live counters on every attribute access. */
    private final class Jmx implements TcpServerMXBean {
        @Override
        public long getAccepted() {
            return accepted.get();
        }

        @Override
        public long getActive() {
            return active.get();
        }

        @Override
        public long getBytesIn() {
            return stats().bytesIn();
        }

        @Override
        public long getBytesOut() {
            return stats().bytesOut();
        }

        @Override
        public long getParks() {
            return stats().parks();
        }

        @Override
        public long getPolls() {
            return stats().polls();
        }

        @Override
        public long getEvents() {
            return stats().events();
        }

        @Override
        public double getEventsPerPoll() {
            return stats().eventsPerPoll();
        }

        @Override
        public long getTimeouts() {
            return stats().timeouts();
        }

        @Override
        public long getAcceptErrors() {
            return acceptLoop.errors();
        }

        @Override
        public String getBackend() {
            return backend.name();
        }

        @Override
        public String getAddress() {
            return address.toString();
        }
    }

    // ---- builder ----------------------------------------------------------------------------

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
            if (a == null) {
                throw new IllegalArgumentException("address must not be null");
            }
            if (a.isUnresolved()) {
                throw new IllegalArgumentException("address " + a + " is unresolved: cannot resolve host '"
                        + a.getHostString() + "'");
            }
            this.address = a;
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
            if (n < 0) {
                throw new IllegalArgumentException("pollers must be 0 (the default) or more, not " + n);
            }
            this.pollers = n;
            return this;
        }

        /**
         * @param h serves each connection; required
         * @return this
         * @throws IllegalArgumentException if null
         */
        public Builder handler(ConnectionHandler h) {
            if (h == null) {
                throw new IllegalArgumentException("handler must not be null");
            }
            this.handler = h;
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
            if (h == null) {
                throw new IllegalArgumentException("readableHandler must not be null");
            }
            this.readable = h;
            return this;
        }

        /**
         * @param n the most connections open at once; accepting pauses while this many are open
         *          and resumes when one closes. Default 10,000
         * @return this
         * @throws IllegalArgumentException if less than 1
         */
        public Builder maxConnections(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxConnections must be 1 or more, not " + n);
            }
            this.maxConnections = n;
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
            if (n < 1) {
                throw new IllegalArgumentException("backlog must be 1 or more, not " + n);
            }
            this.backlog = n;
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
            this.idleTimeout = positiveOrNone("idleTimeout", d);
            return this;
        }

        /**
         * @param d the read timeout set on every accepted connection
         *          ({@link Connection#setReadTimeout}); null or zero for none (the default)
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder readTimeout(Duration d) {
            this.readTimeout = positiveOrNone("readTimeout", d);
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
            this.writeTimeout = positiveOrNone("writeTimeout", d);
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
            if (handler == null && readable == null) {
                throw new IllegalArgumentException("a handler is required: call handler(...) or readableHandler(...)"
                        + " before start()");
            }
            if (handler != null && readable != null) {
                throw new IllegalArgumentException("both handler(...) and readableHandler(...) were set; a server"
                        + " serves its connections one way: set one");
            }
            if (loomux != null && (backendSet || pollers != 0)) {
                throw new IllegalArgumentException("loomux(runtime) was given, so backend(...) and pollers(...)"
                        + " cannot apply: the runtime already has its backend and pollers");
            }
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

        private static Duration positiveOrNone(String what, Duration d) {
            if (d == null || d.isZero()) {
                return null;
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must be positive, or null or zero for none, not " + d);
            }
            return d;
        }
    }
}
