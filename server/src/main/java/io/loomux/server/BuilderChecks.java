package io.loomux.server;

import io.loomux.Loomux;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The checks behind {@link TcpServer.Builder}: each setter's argument, checked at once, and the
 * settings that only make sense together, checked by {@link TcpServer.Builder#start()}.
 *
 * <p>Invariants: every check throws {@link IllegalArgumentException} with a message that names
 * the setting, says what is wrong and what was given, before anything is stored or opened; a
 * duration of "none" is always stored as null, so the server tests one thing.
 */
final class BuilderChecks {

    private BuilderChecks() {
    }

    /** @return {@code a}, if not null and resolved */
    static InetSocketAddress address(InetSocketAddress a) {
        notNull("address", a);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("address " + a + " is unresolved: cannot resolve host '"
                    + a.getHostString() + "'");
        }
        return a;
    }

    /** @return {@code value}, if not null */
    static <T> T notNull(String what, T value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }

    /** @return {@code n}, if 0 (the default) or more */
    static int pollers(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("pollers must be 0 (the default) or more, not " + n);
        }
        return n;
    }

    /** @return {@code n}, if 1 or more */
    static int atLeastOne(String what, int n) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be 1 or more, not " + n);
        }
        return n;
    }

    /** @return {@code d}; null if it was null or zero (none) */
    static Duration positiveOrNone(String what, Duration d) {
        if (d == null || d.isZero()) {
            return null;
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, or null or zero for none, not " + d);
        }
        return d;
    }

    /** Exactly one way of serving was set. */
    static void oneHandler(ConnectionHandler handler, ReadableHandler readable) {
        if (handler == null && readable == null) {
            throw new IllegalArgumentException("a handler is required: call handler(...) or readableHandler(...)"
                    + " before start()");
        }
        if (handler != null && readable != null) {
            throw new IllegalArgumentException("both handler(...) and readableHandler(...) were set; a server"
                    + " serves its connections one way: set one");
        }
    }

    /** A given runtime comes with its own backend and pollers: neither may be set as well. */
    static void runtimeOrItsSettings(Loomux runtime, boolean backendSet, int pollers) {
        if (runtime != null && (backendSet || pollers != 0)) {
            throw new IllegalArgumentException("loomux(runtime) was given, so backend(...) and pollers(...)"
                    + " cannot apply: the runtime already has its backend and pollers");
        }
    }
}
