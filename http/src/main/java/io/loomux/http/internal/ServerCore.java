package io.loomux.http.internal;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.internal.serve.AcceptLoop;
import io.loomux.internal.serve.IdleReaper;

import javax.net.ssl.SSLEngine;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What {@link LoomuxHttpServer} and {@link LoomuxHttpsServer} share: the listener, the accept
 * loop, the contexts, the connections and the stop protocol.
 *
 * <p>Life: NEW (maybe bound) → started → stopping → stopped; no way back, as the JDK's. The
 * accept loop takes a permit per connection before accepting, so at
 * {@link HttpServerSettings#maxConnections()} it stops accepting and further clients wait in the
 * listen backlog. Each connection runs on a virtual thread of its own, and so does the accept
 * loop; a platform thread that is not a daemon waits for the loop to end, so that the JVM lives
 * while the server does.
 */
public final class ServerCore {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    private final Loomux runtime;
    private final HttpServerSettings settings;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private final CopyOnWriteArrayList<ContextImpl> contexts = new CopyOnWriteArrayList<>();
    private final Set<ServedConnection> connections = ConcurrentHashMap.newKeySet();
    /**
     * The buffers connections borrow while serving a request. It keeps up to 256 pairs' worth
     * (4 MiB): more than the requests a server has in progress at once on a few cores, and a
     * bound on what a burst leaves behind.
     */
    private final BufferPool buffers = new BufferPool(Http1Connection.BUFFER, 512);
    /**
     * The TLS records and decrypted bytes of HTTPS connections: 17 KiB fits the JDK's TLS
     * packet and application buffers (16,709 and 16,704 bytes); an engine that wants more
     * allocates its own. Three per connection serving a request, and up to 256 kept (4.25 MiB).
     */
    private final BufferPool tlsBuffers = new BufferPool(17 * 1024, 256);
    /**
     * What HTTP/2 connections gather their frames in while they send: a full DATA frame and a
     * response head fit (17 KiB); an idle connection holds none. Up to 256 kept (4.25 MiB).
     */
    private final BufferPool frameBuffers = new BufferPool(17 * 1024, 256);
    private final Http2Service http2;
    private HttpServer facade;
    private boolean https;
    private volatile HttpsConfigurator configurator;
    private Listener listener;
    private volatile Executor executor;
    private boolean started;
    private volatile boolean stopping;
    private boolean stopped;
    private AcceptLoop acceptLoop;
    private IdleReaper reaper;
    /** Exchanges in progress; guarded by {@code lock}, signalled on {@code idle} at zero. */
    private int exchanges;

    /**
     * @param runtime  the loomux runtime the server's sockets use
     * @param settings the limits
     */
    public ServerCore(Loomux runtime, HttpServerSettings settings) {
        this(runtime, settings, null);
    }

    /**
     * @param runtime  the loomux runtime the server's sockets use
     * @param settings the limits
     * @param http2    who serves HTTP/2: h2c and ALPN's h2 when {@link HttpServerSettings#http2()}
     *                 is on, and h2 over TLS when a program's own ALPN list chose it; null for
     *                 HTTP/1.1 only
     */
    public ServerCore(Loomux runtime, HttpServerSettings settings, Http2Service http2) {
        this.runtime = Objects.requireNonNull(runtime);
        this.settings = Objects.requireNonNull(settings);
        this.http2 = http2;
    }

    void attach(HttpServer server, boolean tls) {
        this.facade = server;
        this.https = tls;
    }

    /** @return who serves HTTP/2, or null if the server cannot speak it */
    Http2Service http2() {
        return http2;
    }

    /** @return the server's limits */
    public HttpServerSettings settings() {
        return settings;
    }

    /** @return the pool of the connections' 8 KiB buffers */
    public BufferPool buffers() {
        return buffers;
    }

    /** @return the pool of the buffers HTTP/2 connections gather their frames in */
    public BufferPool frameBuffers() {
        return frameBuffers;
    }

    BufferPool tlsBuffers() {
        return tlsBuffers;
    }

    /** @return whether the server's stop has begun */
    public boolean stopping() {
        return stopping;
    }

    /** @return the open connections, as they change (tests look at their states) */
    Set<ServedConnection> connections() {
        return java.util.Collections.unmodifiableSet(connections);
    }

    /** @return the executor handlers run on, or null for the connection's (or stream's) thread */
    public Executor executor() {
        return executor;
    }

    void bind(InetSocketAddress addr, int backlog) throws IOException {
        Objects.requireNonNull(addr, "null address");
        lock.lock();
        try {
            if (listener != null) {
                throw new BindException("HttpServer already bound");
            }
            if (stopped || stopping) {
                throw new IllegalStateException("server stopped");
            }
            // SO_REUSEADDR, as the JDK's server sockets have it: a server restarted after one
            // that closed connections binds the port its predecessor left in TIME_WAIT.
            listener = runtime.listen(addr, backlog, Map.of(StandardSocketOptions.SO_REUSEADDR, true));
        } finally {
            lock.unlock();
        }
    }

    void start() {
        lock.lock();
        try {
            if (listener == null || started || stopping) {
                throw new IllegalStateException("server in wrong state");
            }
            if (https && configurator == null) {
                throw new IllegalStateException("HttpsConfigurator not set: call setHttpsConfigurator before start");
            }
            started = true;
            acceptLoop = new AcceptLoop(listener, settings.maxConnections(), this::accepted, LOG);
            // Ticks for the shorter timeout: a new connection's first request is held to the header one.
            Duration shortest = settings.idleTimeout().compareTo(settings.headerTimeout()) <= 0
                    ? settings.idleTimeout() : settings.headerTimeout();
            reaper = new IdleReaper(shortest, this::closeIdle, LOG, "HTTP server " + listener.localAddress());
            // A virtual thread, so that a connection it must start at once (its request came
            // with it) is started onto the carriers' own queues: started from a platform thread,
            // it went onto a queue that a busy carrier-side poller passes over, and its request
            // waited up to two seconds at 1,000 connections.
            Thread loop = acceptLoop.start(Thread.ofVirtual().name("loomux-http-accept " + listener.localAddress()));
            // A platform thread that is not a daemon, as the JDK's dispatcher: a program whose main
            // returns after start() keeps serving until stop().
            Thread.ofPlatform().daemon(false).name("loomux-http-server " + listener.localAddress())
                    .start(() -> keepAliveWhile(loop));
            reaper.start(Thread.ofPlatform().daemon(true).name("loomux-http-idle " + listener.localAddress()));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The keeper thread's work: holds the JVM up while the accept loop runs (until stop(), or
     * until the loop ends some other way, as the JDK's dispatcher thread would); an interrupt does
     * not end it.
     */
    private static void keepAliveWhile(Thread loop) {
        boolean interrupted = false;
        // Each pass ends with the loop's end or an interrupt, which is kept for the end.
        while (true) {
            try {
                loop.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void executor(Executor e) {
        lock.lock();
        try {
            if (started) {
                throw new IllegalStateException("server already started");
            }
            this.executor = e;
        } finally {
            lock.unlock();
        }
    }

    Executor getExecutor() {
        return executor;
    }

    void configurator(HttpsConfigurator c) {
        Objects.requireNonNull(c, "null HttpsConfigurator");
        lock.lock();
        try {
            if (started) {
                throw new IllegalStateException("server already started");
            }
            this.configurator = c;
        } finally {
            lock.unlock();
        }
    }

    HttpsConfigurator configurator() {
        return configurator;
    }

    InetSocketAddress address() {
        lock.lock();
        try {
            return listener == null ? null : listener.localAddress();
        } finally {
            lock.unlock();
        }
    }

    /** On the accept loop's thread, holding the connection's permit. */
    private void accepted(Connection c) {
        SSLEngine engine = null;
        if (https) {
            try {
                engine = TlsParameters.engine(configurator, c.remoteAddress(), http2 != null && settings.http2());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the HttpsConfigurator failed for " + c.remoteAddress(), e);
                closeQuietly(c);
                acceptLoop.release();
                return;
            }
        }
        Http1Connection hc = new Http1Connection(this, c, engine);
        connections.add(hc);
        if (stopping) {
            // stop() may have looked at the set before this one was in it.
            hc.forceClose();
            connectionClosed(hc);
            return;
        }
        try {
            hc.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            // No thread, no run() to end the connection: end it here, and let the loop pause.
            hc.forceClose();
            connectionClosed(hc);
            throw e;
        }
    }

    /**
     * Each tick of the idle reaper: closes connections idle longer than the idle timeout (or,
     * before their first request, the header timeout), so a connection may live up to a tick
     * past its timeout.
     */
    private void closeIdle(long now) {
        for (ServedConnection c : connections) {
            c.closeIfIdleSince(now);
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Released whatever the error.
        }
    }

    /**
     * A connection changes protocol: the new one takes the old one's place in the books, and its
     * accept permit. If the server is stopping, the new one is closed as stop would have closed it.
     *
     * @return false if the old one had left the books already (it closed): the new one must end
     */
    public boolean replace(ServedConnection from, ServedConnection to) {
        if (!connections.remove(from)) {
            return false;
        }
        connections.add(to);
        if (stopping) {
            // stop() may have looked at the set before this one was in it.
            to.closeIfIdle();
        }
        return true;
    }

    /** A connection has closed: it leaves the books and gives its accept permit back, once. */
    public void connectionClosed(ServedConnection c) {
        if (connections.remove(c)) {
            acceptLoop.release();
        }
    }

    /** An exchange began: the server's stop waits for it (up to its delay). */
    public void exchangeStarted() {
        lock.lock();
        try {
            exchanges++;
        } finally {
            lock.unlock();
        }
    }

    /** An exchange counted by {@link #exchangeStarted()} ended. */
    public void exchangeEnded() {
        lock.lock();
        try {
            // While stopping, every end may be the one stop waits for: its caller's own exchange
            // is not waited for (see stop).
            if (--exchanges == 0 || stopping) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * As {@link HttpServer#stop(int)}: no new connections or exchanges, idle connections closed
     * now, then up to {@code delay} seconds for exchanges in progress, then every connection
     * closed.
     *
     * <p>Called by a handler (on its connection's thread or an executor's), the caller's own
     * exchange cannot end while the caller waits here: stop does not wait for it, and does not
     * close its connection, which closes itself once that exchange has ended and its response is
     * out (the connection sees {@code stopping} and takes no further request).
     */
    void stop(int delay) {
        if (delay < 0) {
            throw new IllegalArgumentException("negative delay parameter");
        }
        Listener l;
        AcceptLoop loop;
        lock.lock();
        try {
            if (stopped) {
                return;
            }
            stopping = true;
            l = listener;
            loop = acceptLoop;
        } finally {
            lock.unlock();
        }
        if (loop != null) {
            loop.stop(); // closes the listener too, and wakes the loop wherever it waits
        }
        if (l != null) {
            try {
                l.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing the listener failed", e);
            }
        }
        Thread caller = Thread.currentThread();
        // The caller's own exchange, if it is a handler's: not waited for. Found once: while the
        // caller waits here its exchange cannot begin to count, only end.
        ServedConnection own = null;
        for (ServedConnection c : connections) {
            c.closeIfIdle();
            if (c.countsExchangeRunningOn(caller)) {
                own = c;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(delay);
        lock.lock();
        try {
            // Bounded by the deadline.
            while (exchanges > (own != null && own.countsExchangeRunningOn(caller) ? 1 : 0)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        for (ServedConnection c : connections) {
            if (!c.countsExchangeRunningOn(caller)) {
                c.forceClose();
            }
        }
        lock.lock();
        try {
            stopped = true;
            if (reaper != null) {
                reaper.stop();
            }
        } finally {
            lock.unlock();
        }
        if (loop != null) {
            try {
                loop.join(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    HttpContext createContext(String path, HttpHandler handler) {
        Objects.requireNonNull(path, "null path parameter");
        if (path.isEmpty() || path.charAt(0) != '/') {
            throw new IllegalArgumentException("Illegal value for path or protocol");
        }
        lock.lock();
        try {
            for (ContextImpl c : contexts) {
                if (c.getPath().equals(path)) {
                    throw new IllegalArgumentException("cannot add context to list");
                }
            }
            ContextImpl c = new ContextImpl(path, handler, facade);
            contexts.add(c);
            return c;
        } finally {
            lock.unlock();
        }
    }

    void removeContext(String path) {
        Objects.requireNonNull(path, "null path parameter");
        lock.lock();
        try {
            for (ContextImpl c : contexts) {
                if (c.getPath().equals(path)) {
                    contexts.remove(c);
                    return;
                }
            }
            throw new IllegalArgumentException("cannot remove element from list");
        } finally {
            lock.unlock();
        }
    }

    void removeContext(HttpContext context) {
        Objects.requireNonNull(context, "null context parameter");
        if (!(context instanceof ContextImpl) || context.getServer() != facade || !contexts.remove(context)) {
            throw new IllegalArgumentException("wrong HttpContext type");
        }
    }

    /** @return the context whose path matches {@code path} longest, or null */
    public ContextImpl findContext(String path) {
        ContextImpl best = null;
        int bestLength = -1;
        boolean stringPrefix = settings.pathMatcher() == HttpServerSettings.PathMatcher.STRING_PREFIX;
        for (ContextImpl c : contexts) {
            String cp = c.getPath();
            if (cp.length() > bestLength && matches(cp, path, stringPrefix)) {
                best = c;
                bestLength = cp.length();
            }
        }
        return best;
    }

    private static boolean matches(String contextPath, String path, boolean stringPrefix) {
        if (!path.startsWith(contextPath)) {
            return false;
        }
        if (stringPrefix || path.length() == contextPath.length() || contextPath.endsWith("/")) {
            return true;
        }
        return path.charAt(contextPath.length()) == '/';
    }
}
