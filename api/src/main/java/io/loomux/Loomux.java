package io.loomux;

import io.loomux.internal.Engine;
import io.loomux.internal.Selection;
import io.loomux.spi.MultiplexerProvider;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One loomux runtime: an open backend and its poller threads. Listeners and connections made by
 * it are served by its pollers. Thread-safe; one per application is usual.
 *
 * <p>Backend selection, in order: {@link Builder#provider}, {@link Builder#backend(String)}, the
 * system property {@value #BACKEND_PROPERTY}, else the available backend with the highest
 * priority. A named backend that is absent or unavailable is an error, never a silent fallback.
 */
public final class Loomux implements Closeable {

    /** System property naming the backend to use, e.g. {@code -Dloomux.backend=selector}. */
    public static final String BACKEND_PROPERTY = Selection.BACKEND_PROPERTY;

    /** System property setting the number of poller threads, e.g. {@code -Dloomux.pollers=2}. */
    public static final String POLLERS_PROPERTY = Selection.POLLERS_PROPERTY;

    private final Engine engine;

    private Loomux(Engine engine) {
        this.engine = engine;
    }

    /**
     * Opens a runtime with the default backend and poller count.
     *
     * @return the runtime
     * @throws BackendSelectionException if no backend can be selected
     * @throws IOException               if the backend fails to open
     */
    public static Loomux open() throws IOException {
        return builder().build();
    }

    /** @return a builder for a runtime */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Lists every backend {@link java.util.ServiceLoader} finds, highest priority first.
     *
     * @return the backends, with their availability
     */
    public static List<BackendInfo> backends() {
        return Selection.discover();
    }

    /**
     * Says which backend {@link #open()} would choose now, without opening it.
     *
     * @return the backend named by {@value #BACKEND_PROPERTY}, else the available one with the
     *     highest priority
     * @throws BackendSelectionException if the named one is absent or unavailable, or none is
     *     available
     */
    public static BackendInfo defaultBackend() {
        return Selection.info(Selection.select(System.getProperty(BACKEND_PROPERTY)));
    }

    /** @return the backend this runtime runs on */
    public BackendInfo backend() {
        return engine.backend();
    }

    /** @return the number of poller threads */
    public int pollers() {
        return engine.pollerCount();
    }

    /**
     * Listens on an address with the default backlog and {@code SO_REUSEADDR} on.
     *
     * @param local the address; port 0 picks a free one
     * @return the listener
     * @throws IOException if binding fails
     */
    public Listener listen(InetSocketAddress local) throws IOException {
        return engine.listen(local, 0, Map.of(java.net.StandardSocketOptions.SO_REUSEADDR, true));
    }

    /**
     * Listens on an address.
     *
     * @param local   the address; port 0 picks a free one
     * @param backlog the listen backlog; 0 or less for the default
     * @param options socket options set before binding, e.g. {@code SO_REUSEADDR}, {@code SO_RCVBUF}
     * @return the listener
     * @throws IOException if binding fails
     */
    public Listener listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options)
            throws IOException {
        return engine.listen(local, backlog, options);
    }

    /**
     * Connects to a peer, parking the caller until connected.
     *
     * @param remote  the peer; an unresolved address is resolved first
     * @param timeout the longest to wait; null, zero or negative waits without limit
     * @return the connection
     * @throws java.net.SocketTimeoutException if the timeout passes
     * @throws java.net.ConnectException       if the peer refuses
     * @throws IOException                     on other failures
     */
    public Connection connect(InetSocketAddress remote, Duration timeout) throws IOException {
        return engine.connect(remote, timeout, Map.of());
    }

    /**
     * Connects to a peer with socket options set before connecting.
     *
     * @param remote  the peer
     * @param timeout the longest to wait; null, zero or negative waits without limit
     * @param options options such as {@code SO_RCVBUF}, {@code TCP_NODELAY}
     * @return the connection
     * @throws IOException as {@link #connect(InetSocketAddress, Duration)}
     */
    public Connection connect(InetSocketAddress remote, Duration timeout, Map<SocketOption<?>, ?> options)
            throws IOException {
        return engine.connect(remote, timeout, options);
    }

    /** @return counters since this runtime opened */
    public RuntimeStats stats() {
        return engine.stats();
    }

    /**
     * Closes every listener and connection of this runtime (waking their waiting threads), stops
     * the pollers and closes the backend. Idempotent.
     */
    @Override
    public void close() throws IOException {
        engine.close();
    }

    @Override
    public String toString() {
        return "Loomux[" + engine.backend().name() + ", pollers=" + engine.pollerCount() + "]";
    }

    /**
     * Configures a {@link Loomux}.
     */
    public static final class Builder {
        private String backend;
        private MultiplexerProvider provider;
        private int pollers;

        private Builder() {
        }

        /**
         * @param name the backend to use, as {@link #backends()} names it; null for the default
         * @return this
         */
        public Builder backend(String name) {
            this.backend = name;
            return this;
        }

        /**
         * Uses this provider directly instead of one found by {@link java.util.ServiceLoader}
         * (a test double, a conformance run).
         *
         * @param provider the provider; it must be available
         * @return this
         */
        public Builder provider(MultiplexerProvider provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * @param count poller threads, 1 or more; 0 for the default ({@value #POLLERS_PROPERTY}
         *              if set, else one per four processors, at least one)
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Builder pollers(int count) {
            if (count < 0) {
                throw new IllegalArgumentException("pollers must be 0 (default) or more: " + count);
            }
            this.pollers = count;
            return this;
        }

        /**
         * Opens the runtime.
         *
         * @return the runtime
         * @throws BackendSelectionException if the backend cannot be selected
         * @throws IOException               if it fails to open
         */
        public Loomux build() throws IOException {
            MultiplexerProvider chosen = provider != null ? Selection.checked(provider)
                    : Selection.select(backend != null ? backend : System.getProperty(BACKEND_PROPERTY));
            return new Loomux(Engine.open(chosen, Selection.pollerCount(pollers)));
        }
    }
}
