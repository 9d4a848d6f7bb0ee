package io.loomux.spi;

import java.io.Closeable;
import java.io.IOException;

/**
 * A set of registered sockets that reports readiness. {@link #poll} is called by one thread at a
 * time (the blocking layer's platform poller, or, with a zero timeout while events keep coming,
 * a poller on a virtual thread; never both at once, with a happens-before edge between turns); {@link #register}, {@link #wakeup} and the
 * {@link Registration} methods may be called from any thread at any time, including while a
 * poll is blocked, and must then take effect without waiting for that poll to time out.
 */
public interface PollSet extends Closeable {

    /**
     * Adds a socket. An {@link Triggering#EDGE} backend registers both directions at once and
     * reports readiness that is already there; a {@link Triggering#ONE_SHOT} backend reports
     * nothing until armed. Called only while the handle is open: a close of the socket that
     * begins meanwhile waits for this call to return before the handle is closed, and then
     * cancels the registration.
     *
     * @param handle     a handle of this backend
     * @param attachment what {@link #poll} hands back with this socket's events; never null
     * @return the registration
     * @throws IOException if the socket cannot be registered
     */
    Registration register(Handle handle, Object attachment) throws IOException;

    /**
     * Waits for readiness and reports it: for each ready registration, at most once per call,
     * {@code sink.event(attachment, events)} with a non-zero set of {@link Events} bits.
     *
     * @param timeoutMillis how long to wait: negative waits until an event or {@link #wakeup()},
     *                      zero does not wait
     * @param sink          receives the events, on the calling thread
     * @return the number of events reported; 0 also when the poll returned early (a
     *     {@link #wakeup()}, a signal), which the caller treats as nothing to report
     * @throws IOException if polling fails; the poll set is then unusable, and the blocking layer
     *     closes its runtime so that no thread waits on it forever. A {@link RuntimeException}
     *     is logged and polling goes on
     */
    int poll(long timeoutMillis, EventSink sink) throws IOException;

    /**
     * Makes the current or next {@link #poll} return soon. Cheap when called often: a backend
     * coalesces wake-ups that arrive before the poll has returned.
     */
    void wakeup();

    /**
     * Closes the poll set; registrations are dropped, sockets stay open. The blocking layer
     * calls it only after its poller thread has left {@link #poll} for good; {@link #wakeup()}
     * may still be called afterwards and must then do nothing harmful.
     *
     * @throws IOException on an OS error
     */
    @Override
    void close() throws IOException;

    /**
     * Receives readiness from {@link #poll}.
     */
    @FunctionalInterface
    interface EventSink {
        /**
         * @param attachment the object given to {@link #register}
         * @param events     the {@link Events} bits that became ready
         */
        void event(Object attachment, int events);
    }
}
