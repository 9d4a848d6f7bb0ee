package io.loomux.internal.serve;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The thread of a server's background loop and its stop flag: started once, stopped by setting
 * the flag and then interrupting the thread, which wakes it wherever it waits (a permit, a
 * pause, a sleep) to read the flag. A loop that catches {@link InterruptedException} goes round
 * and lets {@link #stopped()} decide, so a stray interrupt does not end it.
 */
final class LoopThread {

    private final String what;
    private final AtomicReference<Thread> thread = new AtomicReference<>();
    private volatile boolean stopped;

    /** @param what names the loop in the error of a second start */
    LoopThread(String what) {
        this.what = what;
    }

    /**
     * @param threads makes the thread
     * @param loop    the loop's body
     * @return the thread, started
     * @throws IllegalStateException if already started
     */
    Thread start(Thread.Builder threads, Runnable loop) {
        Thread t = threads.unstarted(loop);
        if (!thread.compareAndSet(null, t)) {
            throw new IllegalStateException("the " + what + " was already started");
        }
        t.start();
        return t;
    }

    /** Sets the flag, then wakes the thread (unless it is the caller). Idempotent. */
    void stop() {
        stopped = true;
        Thread t = thread.get();
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
        }
    }

    boolean stopped() {
        return stopped;
    }

    /**
     * @param timeout the longest to wait
     * @return true if the thread ended, or never started
     * @throws InterruptedException if interrupted while waiting
     */
    boolean join(Duration timeout) throws InterruptedException {
        Thread t = thread.get();
        return t == null || t.join(timeout);
    }
}
