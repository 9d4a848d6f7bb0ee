package io.loomux.server;

import io.loomux.Connection;

/**
 * Serves a connection in turns and holds no thread while it is idle: the server runs
 * {@link #serve} on a new virtual thread each time bytes arrive, and between turns the
 * connection costs no parked thread, no stack and no buffer. The choice for servers that hold
 * many connections that are mostly quiet (chat, push, keep-alive). Inside a turn the code is
 * plain blocking code, as in {@link ConnectionHandler}: reads and writes may wait.
 *
 * <p>A turn consumes what has arrived: it reads with {@link Connection#readAvailable} until that
 * returns 0 (nothing more queued), and returns. The server then waits for the next bytes in the
 * poller. A turn that returns earlier, with bytes still queued, is followed at once by the next
 * turn on the same thread; one that uses the blocking {@link Connection#read} instead may wait
 * in it, holding its thread, as a {@link ConnectionHandler} would. What the handler keeps
 * between turns (a partly read message, say) it keeps in its own per-connection state.
 *
 * <p>A turn holds its buffers only while it runs: borrowing them from a small pool shared by
 * every connection costs less than allocating one per turn, which at tens of thousands of turns
 * a second makes the collector's work (see {@code loomux echo --release-idle}).
 *
 * <p>The first turn runs when the first bytes arrive: a client that connects and sends nothing
 * holds no thread either. Close, idle timeout and shutdown end a connection whether or not a
 * turn is running; shutdown closes connections between turns at once and gives running turns
 * the grace period.
 */
@FunctionalInterface
public interface ReadableHandler {

    /**
     * Serves what the peer has sent so far.
     *
     * @param c the connection, with the server's timeouts and options applied; the same object
     *          on every turn
     * @return true to keep the connection and be called again when more bytes arrive; false to
     *     have the server close it
     * @throws Exception anything; logged by the server, which then closes the connection
     */
    boolean serve(Connection c) throws Exception;
}
