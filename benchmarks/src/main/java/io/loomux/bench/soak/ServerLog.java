package io.loomux.bench.soak;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The servers' log during a soak, counted instead of printed: misbehaving clients make the
 * servers log by design (a handler that fails on a reset client logs a warning each time), and
 * thousands of stack traces would bury the soak's own report. Each kind of record (level,
 * message, exception class) is counted and the counts are printed at the end, so a warning the
 * clients cannot explain still shows.
 */
final class ServerLog implements AutoCloseable {

    /** Held strongly: the logging framework keeps its loggers only weakly. */
    private static final Logger LOOMUX = Logger.getLogger("io.loomux");

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Long> counts = new TreeMap<>(); // guarded by lock

    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (isLoggable(r)) {
                count(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private ServerLog() {
    }

    /** Counts every record of loomux's loggers at INFO or above from now on, printing none. */
    static ServerLog capture() {
        ServerLog log = new ServerLog();
        log.handler.setLevel(Level.INFO);
        LOOMUX.addHandler(log.handler);
        LOOMUX.setUseParentHandlers(false);
        return log;
    }

    private void count(LogRecord r) {
        String key = r.getLevel() + " " + String.valueOf(r.getMessage()).replaceAll("[0-9]+", "N")
                + (r.getThrown() == null ? "" : " (" + r.getThrown().getClass().getSimpleName() + ")");
        lock.lock();
        try {
            counts.merge(key, 1L, Long::sum);
        } finally {
            lock.unlock();
        }
    }

    /** @return every kind of record seen, with its count */
    Map<String, Long> counts() {
        lock.lock();
        try {
            return new TreeMap<>(counts);
        } finally {
            lock.unlock();
        }
    }

    /** Stops capturing: loomux's records go to the usual handlers again. */
    @Override
    public void close() {
        LOOMUX.removeHandler(handler);
        LOOMUX.setUseParentHandlers(true);
    }
}
