package io.loomux.epoll;

import io.loomux.spi.Registration;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One socket in one {@link EpollPollSet}: a slot of its registration table and the slot's
 * generation at registration time. The pair, not the descriptor number, is the socket's
 * {@code epoll_data}, so an event the kernel reported before a cancel can never be delivered to a
 * later socket that reuses the slot or the descriptor number. Immutable but for two flags.
 */
final class EpollRegistration implements Registration {

    private static final VarHandle CANCELLED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CANCELLED = l.findVarHandle(EpollRegistration.class, "cancelled", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final EpollPollSet pollSet;
    final int slot;
    final int generation;
    final FdHandle handle;
    final Object attachment;
    @SuppressWarnings("unused") // through CANCELLED
    private volatile boolean cancelled;

    EpollRegistration(EpollPollSet pollSet, int slot, int generation, FdHandle handle, Object attachment) {
        this.pollSet = pollSet;
        this.slot = slot;
        this.generation = generation;
        this.handle = handle;
        this.attachment = attachment;
    }

    /** @return the 64-bit epoll_data: generation in the high half, slot in the low half */
    long tag() {
        return ((long) generation << 32) | (slot & 0xFFFF_FFFFL);
    }

    /** Does nothing: the socket is registered edge-triggered for both directions for good. */
    @Override
    public void arm(int interest) {
        // EDGE: nothing to re-arm, and no system call, which is the point of this backend.
    }

    /**
     * Frees the slot and bumps its generation; no epoll_ctl: the descriptor's close, which the
     * blocking layer does right after, removes it from the epoll set, and any event already
     * harvested for it is dropped by the generation check. Idempotent.
     */
    @Override
    public void cancel() {
        if (CANCELLED.compareAndSet(this, false, true)) {
            pollSet.free(this);
        }
    }

    /** @return true once cancelled */
    boolean isCancelled() {
        return cancelled;
    }

    @Override
    public String toString() {
        return "EpollRegistration[slot=" + slot + ", generation=" + generation + ", " + handle
                + (cancelled ? ", cancelled" : "") + "]";
    }
}
