package io.loomux.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import com.sun.net.httpserver.spi.HttpServerProvider;
import io.loomux.BackendSelectionException;
import io.loomux.Loomux;
import io.loomux.http.internal.LoomuxHttpServer;
import io.loomux.http.internal.LoomuxHttpsServer;
import io.loomux.http.internal.Http2Service;
import io.loomux.http.internal.ServerCore;
import io.loomux.http.internal.h2.Http2Switch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code com.sun.net.httpserver} provider of loomux: {@link HttpServer} and
 * {@link HttpsServer} whose connections are served by blocking code on virtual threads over a
 * loomux multiplexer.
 *
 * <p>On the class path or module path it is found by {@link HttpServerProvider#provider()}, so
 * {@code HttpServer.create(...)}, {@code HttpsServer.create(...)} and the JDK's
 * {@code SimpleFileServer} use it with no change to the program. That provider (made by the
 * no-argument constructor) runs on one runtime shared by the process, opened on first use with
 * {@link Loomux#open()} (so {@code -Dloomux.backend} and {@code -Dloomux.pollers} choose the
 * backend and pollers) and with {@link HttpServerSettings#fromSystemProperties()}.
 * A program that wants a runtime or settings of its own makes a provider with
 * {@link #LoomuxHttpServerProvider(Loomux, HttpServerSettings)} and calls its
 * {@code createHttpServer}.
 *
 * <p>Unless {@link HttpServer#setExecutor} sets an executor, each handler runs on the virtual
 * thread that reads its connection, so a handler is plain blocking code.
 */
public final class LoomuxHttpServerProvider extends HttpServerProvider {

    private static final ReentrantLock SHARED_LOCK = new ReentrantLock();
    /** The process's runtime for the no-argument provider; opened once, never closed. */
    private static Loomux shared;

    private final Loomux runtime;
    private final HttpServerSettings settings;

    /**
     * The provider {@link java.util.ServiceLoader} makes: the shared runtime, settings from the
     * system properties (both read on the first server created).
     */
    public LoomuxHttpServerProvider() {
        this.runtime = null;
        this.settings = null;
    }

    /**
     * A provider whose servers run on the given runtime with the given settings.
     *
     * @param runtime  the runtime; closing it stops the servers' I/O
     * @param settings the limits
     */
    public LoomuxHttpServerProvider(Loomux runtime, HttpServerSettings settings) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * @param addr    the address to bind, or null to bind later with {@link HttpServer#bind}
     * @param backlog the listen backlog; zero or less for the system's default
     * @return an HTTP server, not yet started
     * @throws IOException if binding fails, or no loomux backend can run here (its message says
     *     which backends were found and why each cannot run)
     */
    @Override
    public HttpServer createHttpServer(InetSocketAddress addr, int backlog) throws IOException {
        LoomuxHttpServer server = new LoomuxHttpServer(core());
        if (addr != null) {
            server.bind(addr, backlog);
        }
        return server;
    }

    /**
     * @param addr    the address to bind, or null to bind later with {@link HttpServer#bind}
     * @param backlog the listen backlog; zero or less for the system's default
     * @return an HTTPS server, not yet started; it needs an {@code HttpsConfigurator} before start
     * @throws IOException as {@link #createHttpServer}
     */
    @Override
    public HttpsServer createHttpsServer(InetSocketAddress addr, int backlog) throws IOException {
        LoomuxHttpsServer server = new LoomuxHttpsServer(core());
        if (addr != null) {
            server.bind(addr, backlog);
        }
        return server;
    }

    /** Serves HTTP/2 for every server whose settings turn it on; it holds no state of its own. */
    private static final Http2Service HTTP2 = new Http2Switch();

    private ServerCore core() throws IOException {
        if (runtime != null) {
            return new ServerCore(runtime, settings, HTTP2);
        }
        return new ServerCore(sharedRuntime(), HttpServerSettings.fromSystemProperties(), HTTP2);
    }

    private static Loomux sharedRuntime() throws IOException {
        SHARED_LOCK.lock();
        try {
            if (shared == null) {
                try {
                    shared = Loomux.open();
                } catch (BackendSelectionException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
            return shared;
        } finally {
            SHARED_LOCK.unlock();
        }
    }

    @Override
    public String toString() {
        return "LoomuxHttpServerProvider[" + (runtime != null ? runtime : "shared runtime") + "]";
    }
}
