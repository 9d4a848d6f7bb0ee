package io.loomux.internal;

import io.loomux.spi.Handle;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;

import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * One poller: a platform thread that polls one {@link PollSet} and turns each reported event
 * into {@link Readiness#signal()} calls. A platform thread because a blocking
 * {@code epoll_wait} or {@code select} on a virtual thread would pin its carrier.
 *
 * <p>The poller never runs user code and never blocks on anything but the poll itself, so a
 * slow handler cannot delay other sockets' wake-ups.
 */
final class Poller implements PollSet.EventSink {

    private static final System.Logger LOG = System.getLogger("io.loomux");

    private final PollSet pollSet;
    private final Counters counters;
    private final Thread thread;
    private volatile boolean running = true;

    Poller(PollSet pollSet, Counters counters, String name) {
        this.pollSet = pollSet;
        this.counters = counters;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    Registration register(Handle handle, SocketCore attachment) throws IOException {
        return pollSet.register(handle, attachment);
    }

    private void loop() {
        // Ends when stop() clears running and wakes the poll; each pass blocks in poll.
        while (running) {
            int n;
            try {
                n = pollSet.poll(-1, this);
            } catch (IOException | RuntimeException e) {
                if (running) {
                    LOG.log(Level.ERROR, "loomux poller " + thread.getName() + " failed; its sockets will no longer wake", e);
                }
                return;
            }
            counters.polled(n);
        }
    }

    @Override
    public void event(Object attachment, int events) {
        ((SocketCore) attachment).onEvents(events);
    }

    /** Stops the thread and closes the poll set; waits for the thread at most a few seconds. */
    void stop() throws IOException {
        running = false;
        pollSet.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pollSet.close();
    }
}
