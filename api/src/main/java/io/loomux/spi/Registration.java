package io.loomux.spi;

/**
 * One socket in one {@link PollSet}.
 *
 * <p>The blocking layer arms only while the socket is open (never once its
 * {@link Handle#close()} has begun) and cancels once, just before that close. A backend that
 * acts by descriptor number (for instance {@code epoll_ctl(EPOLL_CTL_MOD)}) may rely on it; still,
 * {@code arm} or {@code cancel} after the handle closed must be refused with an
 * {@link IllegalStateException} or do nothing, and must never reach the number, which the OS may
 * already have given to another socket.
 */
public interface Registration {

    /**
     * Asks for one report of the given interest ({@link Events#READABLE}, {@link Events#WRITABLE},
     * or both) on a {@link Triggering#ONE_SHOT} backend; if the socket is already ready, the next
     * poll reports it. Edge-triggered backends may do nothing. Callable from any thread, while a
     * poll is blocked: the poll must notice it soon (backends batch the wake-ups this needs).
     *
     * @param interest the directions to report once
     */
    void arm(int interest);

    /**
     * Removes the socket from the poll set. After this returns, the attachment is reported by
     * no poll that starts later; a poll in progress may still report it once, which the
     * blocking layer ignores. Idempotent.
     */
    void cancel();
}
