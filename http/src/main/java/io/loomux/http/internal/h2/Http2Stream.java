package io.loomux.http.internal.h2;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;

/**
 * One stream of an HTTP/2 connection (RFC 9113 section 5.1), from the server's side: open when
 * its request head has come, half-closed once either side has ended, closed when both have or
 * either reset it. It holds the request body received and not yet read, and both windows.
 *
 * <p>Every field is guarded by the connection's lock ({@link StreamTable#lock}), and its
 * waiters (a handler reading the body, or writing into a closed window) wait on {@link #changed}.
 */
final class Http2Stream {

    final int id;
    /** Signalled when body bytes arrive, the send window opens, or the stream ends. */
    final Condition changed;
    /** What the stream may still send. */
    final FlowWindow sendWindow;
    /** DATA bytes sent on it and not yet given back by the client's WINDOW_UPDATEs. */
    long sentUnacknowledged;
    /** What the client may still send on this stream before the server opens it further. */
    final FlowWindow receiveWindow;
    /** Body bytes received and not read, as they came; null until the first (a GET has none). */
    private ArrayDeque<byte[]> body;
    /** The offset into the first chunk of {@link #body} read already. */
    int bodyOffset;
    /** Body bytes read by the handler and not yet given back to the client as window. */
    int unacknowledged;
    /** Body bytes received in all, checked against {@link #declaredLength} at the end. */
    long received;
    /** The content-length the request declared, or -1. */
    final long declaredLength;
    /** END_STREAM came from the client: no more body. */
    boolean requestEnded;
    /** END_STREAM went to the client, or the response was abandoned. */
    boolean responseEnded;
    /** Why the stream was reset, by either side; null while it is not. */
    ErrorCode reset;
    /** Whether the client reset it (else the server did, or it was not reset). */
    boolean resetByClient;
    /** Whether it holds one of the server's exchange counts. */
    boolean counted;
    /** Whether its handler thread still runs the handler chain (it holds a slot until it returns). */
    boolean handlerRunning;
    /** Whether the handler closed the request body: DATA still coming is dropped. */
    boolean bodyClosed;
    /** Whether its slot under the concurrency limit was given back. */
    boolean slotFreed;
    /** Whether it left the connection's open streams. */
    boolean closed;
    /** The exchange its request became; null until it has one. */
    StreamExchange exchange;

    Http2Stream(int id, Condition changed, int sendInitial, int receiveInitial, long declaredLength) {
        this.id = id;
        this.changed = changed;
        this.sendWindow = new FlowWindow(id, sendInitial);
        this.receiveWindow = new FlowWindow(id, receiveInitial);
        this.declaredLength = declaredLength;
    }

    /** Keeps body bytes received, after those not read yet. */
    void addBody(byte[] chunk) {
        if (body == null) {
            body = new ArrayDeque<>(4);
        }
        body.add(chunk);
    }

    /** @return the oldest chunk of body not read in full, or null */
    byte[] firstBody() {
        return body == null ? null : body.peekFirst();
    }

    /** The oldest chunk ({@link #firstBody()}) was read to its end. */
    void removeFirstBody() {
        body.removeFirst();
    }

    /** @return the body bytes received and not read */
    long buffered() {
        if (body == null || body.isEmpty()) {
            // The usual case, a GET's: no iterator made.
            return 0;
        }
        long sum = -bodyOffset;
        for (byte[] chunk : body) {
            sum += chunk.length;
        }
        return sum;
    }

    /** Drops the body received and not read. @return how many bytes it held */
    int dropBody() {
        int unread = (int) buffered();
        if (body != null) {
            body.clear();
        }
        bodyOffset = 0;
        return unread;
    }

    /** @return whether neither side will send more on it */
    boolean done() {
        return reset != null || (requestEnded && responseEnded);
    }

    @Override
    public String toString() {
        return "stream " + id;
    }
}
