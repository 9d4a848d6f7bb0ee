package io.loomux.bench.soak;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>The HTTP servers' debug records of how a connection ended ("connection from A ended",
 * "... closed: idle ...") are kept too, by the client's address, for the last
 * {@link #KEPT_ACCOUNTS} connections: a well-behaved connection the server ended is then
 * reported with the server's own account of why ({@link Tally#explain}, after each round).
 * The bound is small on purpose: the record fills within the first rounds and then stays
 * level, so it does not read as heap growth.
 */
final class ServerLog implements AutoCloseable {

    /** Held strongly: the logging framework keeps its loggers only weakly. */
    private static final Logger LOOMUX = Logger.getLogger("io.loomux");
    /** The HTTP servers' logger, whose debug records say how each connection that failed ended. */
    private static final Logger HTTP = Logger.getLogger("io.loomux.http");
    private static final String CONNECTION_FROM = "connection from ";
    /**
     * Accounts kept: a round's worth (about 25 connections a second end abnormally, most of them
     * misbehaving clients), at a few hundred bytes each.
     */
    static final int KEPT_ACCOUNTS = 4_096;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Long> counts = new TreeMap<>(); // guarded by lock
    // guarded by lock; the oldest account goes first once the map is full
    private final Map<String, String> accounts = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > KEPT_ACCOUNTS;
        }
    };
    private Level httpLevel;

    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.INFO.intValue()) {
                count(r);
            } else {
                keepAccount(r);
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

    /**
     * Counts every record of loomux's loggers at INFO or above from now on, printing none, and
     * keeps the HTTP servers' accounts of connections that ended abnormally.
     */
    static ServerLog capture() {
        ServerLog log = new ServerLog();
        log.handler.setLevel(Level.FINE);
        log.httpLevel = HTTP.getLevel();
        HTTP.setLevel(Level.FINE);
        LOOMUX.addHandler(log.handler);
        LOOMUX.setUseParentHandlers(false);
        return log;
    }

    private void keepAccount(LogRecord r) {
        String m = String.valueOf(r.getMessage());
        if (!m.startsWith(CONNECTION_FROM)) {
            return;
        }
        int end = m.indexOf(' ', CONNECTION_FROM.length());
        if (end < 0) {
            return;
        }
        String address = m.substring(CONNECTION_FROM.length(), end);
        String why = m.substring(end + 1) + (r.getThrown() == null ? "" : ": " + r.getThrown());
        lock.lock();
        try {
            accounts.merge(address, why, (a, b) -> a + "; then " + b);
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param client the client's end of a connection, as the server sees it ("/127.0.0.5:40000")
     * @return how the server said that connection ended, if it said and the account is still kept
     */
    Optional<String> account(String client) {
        lock.lock();
        try {
            return Optional.ofNullable(accounts.get(client));
        } finally {
            lock.unlock();
        }
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
        HTTP.setLevel(httpLevel);
    }
}
