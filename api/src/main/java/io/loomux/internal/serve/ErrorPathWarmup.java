package io.loomux.internal.serve;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Does, once per JVM and while descriptors are there, what logging a failure would otherwise do
 * lazily at the worst moment. The first log record the JDK's {@code SimpleFormatter} formats
 * makes it load the time-zone data ({@code tzdb.dat}, through {@code ZoneId.systemDefault()});
 * out of descriptors that load throws an {@link Error}, and, thrown from a class's static
 * initialiser, leaves that class unusable for the JVM's life, so that every later date
 * (logging, an HTTP {@code Date} header, an access log) fails too. The logger's backend is
 * resolved as well (reading the logging configuration), by asking it whether a level is
 * loggable.
 */
final class ErrorPathWarmup {

    private ErrorPathWarmup() {
    }

    /**
     * Warms up the JVM's date and time zone data, once, and {@code log}'s backend.
     *
     * @param log the logger an error path will use
     */
    static void ensure(System.Logger log) {
        Once.done();
        try {
            log.isLoggable(System.Logger.Level.WARNING);
        } catch (RuntimeException e) {
            // A logger that fails now fails later too; the error path swallows it there.
        }
    }

    /** Runs the warm-up in its static initialiser: once, and before any caller goes on. */
    private static final class Once {
        static {
            try {
                ZonedDateTime now = ZonedDateTime.now(); // the zone file, then the zone rules
                // SimpleFormatter's default format and its locale's date symbols; and ISO-8601.
                String.format(Locale.getDefault(Locale.Category.FORMAT),
                        "%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp %1$tZ", now);
                DateTimeFormatter.RFC_1123_DATE_TIME.format(now);
            } catch (RuntimeException | Error e) {
                if (LoopFailures.fatal(e)) {
                    throw e;
                }
                // Best effort: if the data cannot be loaded now, the error path will meet the
                // same failure later and swallow it.
            }
        }

        static void done() {
            // Loading the class ran the warm-up.
        }
    }
}
