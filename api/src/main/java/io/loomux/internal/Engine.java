package io.loomux.internal;

import io.loomux.BackendInfo;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.RuntimeStats;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The runtime behind {@link io.loomux.Loomux}: one open backend, its pollers, and the sockets it
 * made. A socket stays on the poller it was registered with for its whole life.
 */
public final class Engine {

    private final BackendInfo info;
    private final Triggering triggering;
    private final Multiplexer multiplexer;
    private final Poller[] pollers;
    private final AtomicInteger nextPoller = new AtomicInteger();
    final Counters counters = new Counters();
    /** Open sockets, so that closing the runtime can close them and wake their threads. */
    private final Set<SocketCore> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private Engine(MultiplexerProvider provider, Multiplexer multiplexer, int pollerCount) throws IOException {
        this.info = Selection.info(provider);
        this.triggering = Objects.requireNonNull(provider.triggering(), "triggering");
        this.multiplexer = multiplexer;
        this.pollers = new Poller[pollerCount];
        try {
            for (int i = 0; i < pollerCount; i++) {
                pollers[i] = new Poller(multiplexer.openPollSet(), counters,
                        "loomux-poller-" + info.name() + "-" + i, this::closeAfterPollerFailure);
            }
        } catch (IOException | RuntimeException e) {
            stopPollers();
            multiplexer.close();
            throw e;
        }
        for (Poller p : pollers) {
            p.start();
        }
    }

    /**
     * @param provider an available provider
     * @param pollers  poller threads, at least one
     * @return the running engine
     * @throws IOException if the backend fails to open
     */
    public static Engine open(MultiplexerProvider provider, int pollers) throws IOException {
        if (pollers < 1) {
            throw new IllegalArgumentException("pollers must be at least 1: " + pollers);
        }
        return new Engine(provider, provider.open(), pollers);
    }

    /** @return the backend's description */
    public BackendInfo backend() {
        return info;
    }

    /** @return the number of pollers */
    public int pollerCount() {
        return pollers.length;
    }

    Triggering triggering() {
        return triggering;
    }

    /**
     * @param local   the address
     * @param backlog the backlog
     * @param options options before bind
     * @return the listener, registered
     * @throws IOException if binding fails
     */
    public Listener listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options) throws IOException {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        if (local.isUnresolved()) {
            throw new UnknownHostException("cannot listen on an unresolved address: " + local.getHostString());
        }
        ListenerHandle h = multiplexer.listen(local, backlog, options);
        ListenerImpl l;
        try {
            l = new ListenerImpl(this, h);
        } catch (IOException | RuntimeException e) {
            closeQuietly(h);
            throw e;
        }
        register(l);
        return l;
    }

    /**
     * @param remote  the peer
     * @param timeout null/zero/negative for none
     * @param options options before connect
     * @return the connection, connected
     * @throws IOException if connecting fails or times out
     */
    public Connection connect(InetSocketAddress remote, Duration timeout, Map<SocketOption<?>, ?> options)
            throws IOException {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(options, "options");
        ensureOpen();
        if (remote.isUnresolved()) {
            remote = new InetSocketAddress(java.net.InetAddress.getByName(remote.getHostString()), remote.getPort());
        }
        long deadline = SocketCore.deadline(SocketCore.nanos(timeout));
        SocketHandle h = multiplexer.connect(remote, options);
        ConnectionImpl c = new ConnectionImpl(this, h);
        register(c);
        try {
            c.finishConnect(deadline);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** An accepted socket becomes a registered connection. */
    Connection adopt(SocketHandle h) throws IOException {
        ConnectionImpl c = new ConnectionImpl(this, h);
        register(c);
        c.connected();
        return c;
    }

    /**
     * Registers a new socket with a poller. The socket is in {@link #open} first, so that a
     * {@link #close()} from now on closes it; the registration runs inside the socket's gate, so
     * such a close frees the descriptor only after the registration returned, and the release
     * then cancels it (registering a freed number would register another socket's, and the
     * registration would never be cancelled).
     */
    private void register(SocketCore s) throws IOException {
        open.add(s);
        Poller p = pollers[Math.floorMod(nextPoller.getAndIncrement(), pollers.length)];
        try {
            if (!s.tryEnter()) {
                throw new IOException("this loomux runtime is closed"); // its close closed s
            }
            try {
                s.registration = p.register(s.handle, s);
            } finally {
                s.exit();
            }
        } catch (IOException | RuntimeException e) {
            s.closeCore();
            throw e;
        }
        if (closed.get()) {
            // Raced with close(): it may have missed this socket.
            s.closeCore();
            ensureOpen();
        }
    }

    void forget(SocketCore s) {
        open.remove(s);
    }

    private void ensureOpen() throws IOException {
        if (closed.get()) {
            throw new IOException("this loomux runtime is closed");
        }
    }

    /** @return the counters now */
    public RuntimeStats stats() {
        return counters.snapshot();
    }

    /**
     * Closes every socket, then the pollers and the backend. Idempotent.
     *
     * @throws IOException if the backend fails to close
     */
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeSockets();
        stopPollers();
        multiplexer.close();
    }

    /**
     * A poller broke: its sockets could never wake again, and new ones could land on it, so the
     * whole runtime closes (every waiting thread gets an exception instead of waiting forever).
     */
    private void closeAfterPollerFailure() {
        try {
            close();
        } catch (IOException e) {
            System.getLogger("io.loomux").log(System.Logger.Level.WARNING, "closing after a poller failure", e);
        }
    }

    /** Closes every open socket, waking the threads that wait on them. */
    private void closeSockets() {
        for (SocketCore s : new ArrayList<>(open)) {
            s.closeCore();
        }
    }

    private void stopPollers() {
        List<Exception> failures = new ArrayList<>();
        for (Poller p : pollers) {
            if (p != null) {
                try {
                    p.stop();
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
            }
        }
        if (!failures.isEmpty()) {
            System.getLogger("io.loomux").log(System.Logger.Level.WARNING,
                    "stopping loomux pollers failed: " + failures);
        }
    }

    private static void closeQuietly(io.loomux.spi.Handle h) {
        try {
            h.close();
        } catch (IOException | RuntimeException ignored) {
            // already failing; the first error is the one to report
        }
    }
}
