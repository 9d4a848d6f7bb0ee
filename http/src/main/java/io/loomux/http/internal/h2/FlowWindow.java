package io.loomux.http.internal.h2;

/**
 * One flow-control window (RFC 9113 section 6.9): the bytes of DATA one direction of one stream,
 * or of the whole connection, may still carry. A window never exceeds 2^31-1; it may go
 * negative when a SETTINGS frame lowers the initial window size below what is in flight
 * (section 6.9.2), and then nothing may be sent until WINDOW_UPDATEs lift it above zero.
 * Arithmetic only: no locking (the connection holds its lock around it).
 */
final class FlowWindow {

    private final int streamId;
    /** From -(2^31-1) to 2^31-1; a long, so that a sum is checked before it can wrap. */
    private long size;

    /**
     * @param streamId the stream, 0 for the connection's window; it decides whether an overflow
     *                 is a stream or a connection error
     * @param initial  the window's initial size, 0..2^31-1
     */
    FlowWindow(int streamId, int initial) {
        if (streamId < 0 || initial < 0) {
            throw new IllegalArgumentException("stream " + streamId + ", initial window " + initial);
        }
        this.streamId = streamId;
        this.size = initial;
    }

    /** @return the window, possibly negative */
    long size() {
        return size;
    }

    /** @return the bytes that may be sent now: the window, or 0 while it is negative */
    int available() {
        return (int) Math.max(0, size);
    }

    /**
     * Takes {@code n} bytes of DATA (the whole frame length, padding included) out of the window.
     *
     * @throws Http2Exception FLOW_CONTROL_ERROR, of this window's scope, if {@code n} exceeds the
     *                        window: the peer sent more than it was allowed
     */
    void consume(int n) throws Http2Exception {
        if (n < 0) {
            throw new IllegalArgumentException("negative length " + n);
        }
        if (n > size) {
            throw error("DATA of " + n + " bytes exceeds the flow-control window of " + size);
        }
        size -= n;
    }

    /**
     * Opens the window by a WINDOW_UPDATE's increment (section 6.9.1).
     *
     * @param increment 1..2^31-1 (the reader refuses 0 before it gets here)
     * @throws Http2Exception FLOW_CONTROL_ERROR, of this window's scope, if the window would
     *                        exceed 2^31-1; the window is left as it was
     */
    void grant(int increment) throws Http2Exception {
        if (increment <= 0) {
            throw new IllegalArgumentException("increment " + increment);
        }
        if (size + increment > Settings.MAX_WINDOW_SIZE) {
            throw error("a WINDOW_UPDATE of " + increment + " takes the window of " + size + " past 2^31-1");
        }
        size += increment;
    }

    /**
     * Follows a change of SETTINGS_INITIAL_WINDOW_SIZE by the difference of the two sizes; the
     * result may be negative (section 6.9.2). Only stream windows follow it, never the
     * connection's.
     *
     * @throws Http2Exception a connection FLOW_CONTROL_ERROR, whatever the stream, if the
     *                        window would exceed 2^31-1; the window is left as it was
     */
    void initialSizeChanged(int oldInitial, int newInitial) throws Http2Exception {
        if (streamId == 0) {
            throw new IllegalStateException("the connection's window does not follow SETTINGS_INITIAL_WINDOW_SIZE");
        }
        long next = size + ((long) newInitial - oldInitial);
        if (next > Settings.MAX_WINDOW_SIZE) {
            throw Http2Exception.connection(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE of "
                    + newInitial + " takes stream " + streamId + "'s window of " + size + " past 2^31-1");
        }
        size = next;
    }

    private Http2Exception error(String message) {
        return streamId == 0
                ? Http2Exception.connection(ErrorCode.FLOW_CONTROL_ERROR, message)
                : Http2Exception.stream(streamId, ErrorCode.FLOW_CONTROL_ERROR, message);
    }

    @Override
    public String toString() {
        return "FlowWindow[stream " + streamId + ", " + size + "]";
    }
}
