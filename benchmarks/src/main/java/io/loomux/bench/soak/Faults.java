package io.loomux.bench.soak;

import io.loomux.spi.MultiplexerProvider;

import java.util.Map;

/**
 * The one place where the soak's servers get the backend they serve on, and the one place the
 * "faults injected" figure comes from.
 *
 * <p><b>Where the fault injector goes.</b> The kit's fault-injecting provider wraps
 * {@code backend} in {@link #serveOn}: {@code serveOn} returns the wrapper built from the
 * backend, the seed and the soak's fault plan and keeps it; {@link #injected()} returns the
 * sum of the kept wrappers' fault counters (and {@link #byKind()} their split by kind); and
 * {@link #mayReset()} says whether the plan resets connections. Nothing else in the soak
 * changes. Until then every server serves on its backend as found, no fault is injected, and
 * the figure printed is the true one: 0.
 */
final class Faults {

    /**
     * @param backend the backend as {@link java.util.ServiceLoader} found it, available here
     * @param seed    the seed for this server's faults: the run's seed mixed with the server's
     *                place, so every run with the same seed injects the same plan
     * @return the provider the server's runtime is built on
     */
    MultiplexerProvider serveOn(MultiplexerProvider backend, long seed) {
        return backend;
    }

    /** @return faults injected so far into every provider {@link #serveOn} made */
    long injected() {
        return 0;
    }

    /** @return faults injected so far by kind, for the report; empty while none are injected */
    Map<String, Long> byKind() {
        return Map.of();
    }

    /**
     * @return whether the servers' side may end a connection on purpose (injected resets and
     *     broken pipes). Only then is a well-behaved connection that ends early counted as
     *     "reset" rather than "lost".
     */
    boolean mayReset() {
        return false;
    }
}
