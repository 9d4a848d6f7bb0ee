package io.loomux.internal;

import io.loomux.spi.PollSet;

import java.util.Arrays;

/**
 * The events of one poll, kept to be delivered later, possibly by another thread. The platform
 * poller records a busy poll's events here and hands them to the carrier-side poller with its
 * turn, so that the readers they wake go onto the carrier's own queue: woken from the platform
 * thread, they would go onto a queue of the scheduler's that a busy carrier-side poller keeps
 * passing over (batches of keep-alive connections waited a second at 1,000 connections).
 *
 * <p>Not thread-safe: one thread records, and the same thread or one that took the poller's turn
 * after it (a volatile write and read of the turn order the two) delivers. Its arrays grow to
 * the largest poll seen and are reused, so a poll allocates nothing.
 */
final class EventBatch implements PollSet.EventSink {

    private Object[] attachments = new Object[64];
    private int[] events = new int[64];
    private int size;

    @Override
    public void event(Object attachment, int readyEvents) {
        if (size == attachments.length) {
            attachments = Arrays.copyOf(attachments, size * 2);
            events = Arrays.copyOf(events, size * 2);
        }
        attachments[size] = attachment;
        events[size] = readyEvents;
        size++;
    }

    /** @return the events recorded and not yet delivered */
    int size() {
        return size;
    }

    /**
     * Delivers every recorded event, in the order recorded, and forgets them.
     *
     * @param to takes each event
     */
    void deliver(PollSet.EventSink to) {
        int n = size;
        size = 0;
        for (int i = 0; i < n; i++) {
            Object a = attachments[i];
            attachments[i] = null; // no socket stays reachable from here after its event
            to.event(a, events[i]);
        }
    }
}
