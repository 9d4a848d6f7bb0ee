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
}
