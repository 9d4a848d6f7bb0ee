package io.loomux.server;

import java.time.Duration;

/**
 * Serving with a {@link ConnectionHandler}: one new virtual thread per connection, which runs
 * the handler in plain blocking style and closes the connection when the handler returns or
 * throws. Shutdown gives these threads the grace period, then closes their connections and
 * interrupts them.
 *
 * <p>Invariants: the thread is in {@link Sessions} before it starts and leaves when it ends; a
 * connection whose thread cannot be made or started is closed at once and leaves no entry, so
 * no client is left hanging and shutdown has nothing to wait for.
 */
final class ThreadPerConnection extends ServeStrategy {

    private final ConnectionHandler handler;

    ThreadPerConnection(ConnectionHandler handler, Sessions sessions, GracefulShutdown shutdown,
                        Duration readTimeout, Duration writeTimeout, boolean tcpNoDelay, String backendName) {
        super(sessions, shutdown, readTimeout, writeTimeout, tcpNoDelay, backendName);
        this.handler = handler;
    }

    @Override
    void start(ServerConnection c) {
        Thread t;
        try {
            t = Thread.ofVirtual().name("loomux-conn-" + c.id).unstarted(() -> run(c));
            sessions.add(t, c);
            t.start();
        } catch (RuntimeException | OutOfMemoryError e) {
            // No thread, no service: close it rather than leave the client hanging.
            LOG.log(System.Logger.Level.WARNING, "loomux could not start a thread for " + c + ": " + e);
            sessions.removeConnection(c);
            c.closeQuietly();
        }
    }

    private void run(ServerConnection c) {
        try {
            configure(c);
            handler.handle(c);
        } catch (Throwable t) {
            handlerEnded(c, t);
        } finally {
            c.closeQuietly();
            shutdown.sessionEnded(Thread.currentThread());
        }
    }
}
