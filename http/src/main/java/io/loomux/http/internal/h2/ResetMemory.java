package io.loomux.http.internal.h2;

/**
 * The streams the server reset lately, so that frames the client sent before it learnt of the
 * reset are dropped instead of taken for a protocol error (RFC 9113 section 5.4.2). A ring of the
 * last {@link #SIZE} ids: a client that keeps sending on a stream reset longer ago than that is
 * refused as on a stream never opened.
 *
 * <p>Not thread-safe: its owner ({@link StreamTable}) guards it with its lock.
 */
final class ResetMemory {

    static final int SIZE = 64;

    private final int[] ids = new int[SIZE];
    private int next;

    /** @return whether the server reset the stream lately */
    boolean contains(int id) {
        for (int r : ids) {
            if (r == id) {
                return true;
            }
        }
        return false;
    }

    /** Remembers a stream the server reset, forgetting the oldest. */
    void add(int id) {
        ids[next] = id;
        next = (next + 1) % SIZE;
    }
}
