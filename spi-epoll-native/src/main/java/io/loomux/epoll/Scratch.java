package io.loomux.epoll;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Native memory for the slow paths: heap buffers (copied through {@link #data}) and gathering
 * writes (the iovec array in {@link #iov}). Taken from and given back to a small process-wide
 * pool around one native call or a short run of them.
 *
 * <p>Why copy heap buffers instead of pinning them with {@code GetPrimitiveArrayCritical}: on
 * JDK 21 a critical region holds off garbage collection for every thread (GCLocker), and
 * thousands of virtual threads entering one per read can stall or starve allocating threads;
 * one memcpy of at most 64 KiB per system call is cheaper than that risk. Direct buffers, the
 * fast path, are never copied.
 *
 * <p>Pool bound: a scratch is held only across non-blocking calls, during which a virtual thread
 * cannot unmount, so at most one is in use per carrier or platform thread; the pool keeps
 * {@link #POOL_SIZE} and a caller that finds it empty allocates one that is dropped, for the GC
 * to reclaim, if the pool is full when it comes back.
 */
final class Scratch {

    /** Bytes of {@link #data}: the most one heap-buffer read or write system call moves. */
    static final int DATA_SIZE = 64 * 1024;
    /** Scratches the pool keeps. */
    static final int POOL_SIZE = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    private static final AtomicReferenceArray<Scratch> POOL = new AtomicReferenceArray<>(POOL_SIZE);

    /** Bounce buffer for heap buffers. */
    final ByteBuffer data;
    /** Address of {@link #data}, fetched once. */
    final long dataAddress;
    /** iovec array for writev; created on first use, since most scratches never gather. */
    ByteBuffer iov;
    /** Address of {@link #iov}. */
    long iovAddress;
    /** The buffer each iovec entry points into; cleared after each use so no user buffer is retained. */
    ByteBuffer[] iovBuffers;

    private Scratch() {
        data = ByteBuffer.allocateDirect(DATA_SIZE);
        dataAddress = Native.address(data);
    }

    /** Creates the iovec part if this scratch has none yet. */
    void ensureIov() {
        if (iov == null) {
            iov = ByteBuffer.allocateDirect(Sys.IOV_MAX * Sys.IOVEC_SIZE).order(ByteOrder.nativeOrder());
            iovAddress = Native.address(iov);
            iovBuffers = new ByteBuffer[Sys.IOV_MAX];
        }
    }

    /** @return a scratch for the caller's exclusive use until {@link #give} */
    static Scratch take() {
        int start = (int) (Thread.currentThread().threadId() % POOL_SIZE);
        // One pass over the pool; contention only makes a probe miss, never loop.
        for (int k = 0; k < POOL_SIZE; k++) {
            int i = (start + k) % POOL_SIZE;
            Scratch s = POOL.getPlain(i);
            if (s != null && POOL.compareAndSet(i, s, null)) {
                return s;
            }
        }
        return new Scratch();
    }

    /**
     * Returns a scratch to the pool, or drops it if the pool is full.
     *
     * @param s a scratch from {@link #take}
     */
    static void give(Scratch s) {
        int start = (int) (Thread.currentThread().threadId() % POOL_SIZE);
        for (int k = 0; k < POOL_SIZE; k++) {
            int i = (start + k) % POOL_SIZE;
            if (POOL.getPlain(i) == null && POOL.compareAndSet(i, null, s)) {
                return;
            }
        }
    }
}
