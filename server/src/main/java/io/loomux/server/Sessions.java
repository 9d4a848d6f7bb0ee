package io.loomux.server;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The server's record of who is being served: each handler thread with its connection (a
 * session, or a run of turns), and, with a {@link ReadableHandler}, the connections waiting
 * between turns with no thread. Shutdown, the idle sweep and {@link TcpServer#connections()}
 * read it; the two ways of serving write it.
 *
 * <p>Invariants: a handler thread is in it from before it starts until it ends. A waiting
 * connection joins before it is armed and leaves only once its next turn's thread is in
 * ({@link #turnStarts}), so a reader that looks at both never misses a live connection in
 * passing.
 */
final class Sessions {

    /** Handler threads still running, with their connection. A thread leaves when it ends. */
    private final ConcurrentHashMap<Thread, ServerConnection> threads = new ConcurrentHashMap<>();
    /** Connections between turns, waiting in the poller with no thread. */
    private final Set<ServerConnection> waiting = ConcurrentHashMap.newKeySet();
    private final Collection<ServerConnection> servedView = Collections.unmodifiableCollection(threads.values());
    private final Collection<ServerConnection> waitingView = Collections.unmodifiableCollection(waiting);

    /** A handler thread, not yet started, takes {@code c}. */
    void add(Thread t, ServerConnection c) {
        threads.put(t, c);
    }

    /**
     * A turn's thread, not yet started, takes {@code c} over from waiting: it joins before
     * {@code c} leaves, so shutdown never misses it.
     */
    void turnStarts(Thread t, ServerConnection c) {
        threads.put(t, c);
        waiting.remove(c);
    }

    /** A handler thread has ended (or will never start). */
    void remove(Thread t) {
        threads.remove(t);
    }

    /** A session whose thread could not start gives its connection up. */
    void removeConnection(ServerConnection c) {
        threads.values().remove(c);
    }

    /** {@code c} waits for its next turn with no thread; joins before it is armed. */
    void startWaiting(ServerConnection c) {
        waiting.add(c);
    }

    /** {@code c} no longer waits: it was not armed, or it closed. */
    void stopWaiting(ServerConnection c) {
        waiting.remove(c);
    }

    /** @return true if no handler thread runs and no connection waits */
    boolean isEmpty() {
        return threads.isEmpty() && waiting.isEmpty();
    }

    /** @return true if {@code t} is one of the server's handler threads */
    boolean isHandlerThread(Thread t) {
        return threads.containsKey(t);
    }

    /** @return the connections that handler threads serve; a live, read-only view */
    Collection<ServerConnection> served() {
        return servedView;
    }

    /** @return the connections waiting between turns; a live, read-only view */
    Collection<ServerConnection> waiting() {
        return waitingView;
    }

    /** Each open connection once, whether a thread serves it or it waits between turns. */
    Set<ServerConnection> openConnections() {
        Set<ServerConnection> all = new HashSet<>(threads.values()); // identity: no equals of its own
        all.addAll(waiting);
        all.removeIf(ServerConnection::isClosed);
        return all;
    }

    /** @return true while a handler thread other than the caller's runs, or a connection waits */
    boolean othersRunning() {
        int n = threads.size();
        return n > (threads.containsKey(Thread.currentThread()) ? 1 : 0) || !waiting.isEmpty();
    }

    /** Closes the connections between turns; closing one runs its turn, which sees the close. */
    void closeWaiting() {
        for (ServerConnection c : waiting) {
            c.closeQuietly();
        }
    }

    /**
     * Closes every connection but the caller's own and interrupts its handler thread, then
     * closes those waiting.
     *
     * @return how many handler threads' connections were closed
     */
    int forceClose() {
        Thread me = Thread.currentThread();
        int n = 0;
        for (Map.Entry<Thread, ServerConnection> e : threads.entrySet()) {
            if (e.getKey() == me) {
                continue;
            }
            n++;
            e.getValue().closeQuietly();
            // For a handler blocked on something other than its connection (a queue, a lock).
            e.getKey().interrupt();
        }
        closeWaiting();
        return n;
    }

    /** @return the names of the running handler threads, sorted, for a log line */
    String runningHandlers() {
        return threads.keySet().stream().map(Thread::getName).sorted().collect(Collectors.joining(", "));
    }
}
