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
    private final Runnable onFailure;
    private volatile boolean running = true;

    /**
     * @param onFailure runs on the poller thread if it must stop polling (the poll set broke):
     *                  the sockets it served would otherwise never wake, so the owner closes them
     */
    Poller(PollSet pollSet, Counters counters, String name, Runnable onFailure) {
        this.pollSet = pollSet;
        this.counters = counters;
        this.onFailure = onFailure;
        this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::loop);
    }

    void start() {
        thread.start();
    }

    Registration register(Handle handle, SocketCore attachment) throws IOException {
        return pollSet.register(handle, attachment);
    }

    private void loop() {
        int failuresInARow = 0;
        // Ends when stop() clears running and wakes the poll; each pass blocks in poll. A
        // backend's unchecked exception is survived (a bug in one report must not strand every
        // socket), but a poll set that keeps failing, or fails with an IOException, is broken.
        while (running) {
            int n;
            try {
                n = pollSet.poll(-1, this);
                failuresInARow = 0;
            } catch (RuntimeException e) {
                if (running && ++failuresInARow < MAX_FAILURES_IN_A_ROW) {
                    LOG.log(Level.WARNING, "loomux poller " + thread.getName() + ": poll failed, polling on", e);
                    continue;
                }
                fail(e);
                return;
            } catch (IOException e) {
                fail(e);
                return;
            }
            counters.polled(n);
        }
    }

    private static final int MAX_FAILURES_IN_A_ROW = 100;

    private void fail(Exception e) {
        if (running) {
            LOG.log(Level.ERROR, "loomux poller " + thread.getName()
                    + " failed; closing the runtime so that no thread waits forever", e);
            onFailure.run();
        }
    }

    @Override
    public void event(Object attachment, int events) {
        ((SocketCore) attachment).onEvents(events);
    }

    /**
     * Stops the thread and closes the poll set. Waits for the thread at most a few seconds; a
     * poll set whose thread is still inside poll is left open (and logged) rather than closed
     * under it, since its descriptors could be reused while the poll still uses them.
     */
    void stop() throws IOException {
        running = false;
        pollSet.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.log(Level.WARNING, "loomux poller " + thread.getName()
                        + " did not stop within 5 s; its poll set is left open");
                return;
            }
        }
        pollSet.close();
    }
}
