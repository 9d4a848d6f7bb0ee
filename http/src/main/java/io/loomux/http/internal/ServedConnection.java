package io.loomux.http.internal;

/**
 * A connection as the server's books see it, whatever protocol it speaks: what the idle reaper,
 * the server's stop and the tests ask of it. {@link ServerCore} holds every open one from accept
 * to close, and releases the connection's accept permit when it leaves.
 */
public interface ServedConnection {

    /**
     * Closes the connection if nothing is in progress on it (the server's stop).
     *
     * @return true if it was idle and is now closed
     */
    boolean closeIfIdle();

    /**
     * Closes the connection if it has waited on its client longer than its timeout allows (the
     * idle reaper, about once a second).
     *
     * @param now System.nanoTime()
     */
    void closeIfIdleSince(long now);

    /** Closes the connection whatever it is doing; threads waiting on it wake and end. */
    void forceClose();

    /**
     * @param t a thread
     * @return whether {@code t} runs the handler of one of this connection's exchanges, and that
     *     exchange is counted among those the server's stop waits for
     */
    boolean countsExchangeRunningOn(Thread t);

    /** @return whether it waits for its client with no thread (armed) */
    boolean waitsArmed();

    /** @return whether it holds buffers of the server's pools (tests look) */
    boolean holdsBuffers();

    /**
     * Whether a connection's thread waits on its client (the reaper closes only such a one): parked, in a read (or a write the
     * client does not drain). A thread not started yet, or runnable (its readiness has come and
     * it waits for a carrier, or it is working through a TLS handshake), is the server behind,
     * as on a CPU starved by other work; closing it then would end a client that did nothing
     * wrong, which the soak saw as HTTPS connections lost mid-handshake.
     *
     * @param t the connection's thread, or null if it has not run yet
     */
    static boolean waitsOnClient(Thread t) {
        if (t == null) {
            return false;
        }
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }
}
