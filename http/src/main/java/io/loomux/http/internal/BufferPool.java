package io.loomux.http.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The heap buffers a server's connections borrow while they serve a request and give back while
 * they wait for the next, so that an idle keep-alive connection holds none. A connection turns
 * its buffers over on every request, so the pool keeps the ones given back (up to its capacity)
 * rather than let each turn allocate two anew: the cost of allocating per turn was measured at
 * twice the CPU per request.
 *
 * <p>Only buffers of the pool's size come back into it: one grown for a long request head is
 * dropped, and the connection's next turn borrows one of the usual size. A lock rather than a
 * lock-free stack: the pooled buffers are reused, which is where a Treiber stack meets ABA, and
 * the lock is held for a few instructions, never across a park.
 */
public final class BufferPool {

    private final int size;
    private final ByteBuffer[] free;
    private final ReentrantLock lock = new ReentrantLock();
    /** Buffers in {@code free[0..count)}; guarded by {@code lock}. */
    private int count;

    /**
     * @param size     the size of every buffer lent
     * @param capacity the most buffers kept while no connection needs them
     */
    BufferPool(int size, int capacity) {
        if (size <= 0 || capacity < 0) {
            throw new IllegalArgumentException("size " + size + ", capacity " + capacity);
        }
        this.size = size;
        this.free = new ByteBuffer[capacity];
    }

    /** @return the size of every buffer it lends */
    public int size() {
        return size;
    }

    /** @return a cleared heap buffer of the pool's size, pooled or new */
    public ByteBuffer take() {
        lock.lock();
        try {
            if (count > 0) {
                ByteBuffer b = free[--count];
                free[count] = null;
                return b;
            }
        } finally {
            lock.unlock();
        }
        return ByteBuffer.allocate(size);
    }

    /**
     * Takes a buffer back. The caller must not touch it afterwards: another connection may be
     * filling it already.
     *
     * @param b a buffer from {@link #take()}, or a grown one (dropped)
     */
    public void give(ByteBuffer b) {
        if (b.capacity() != size || !b.hasArray()) {
            return;
        }
        b.clear();
        lock.lock();
        try {
            if (count < free.length) {
                free[count++] = b;
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return the buffers kept now (tests look) */
    int kept() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }
}
