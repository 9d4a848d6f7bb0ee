package io.loomux.spi;

import java.io.IOException;

/**
 * A backend, found through {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/io.loomux.spi.MultiplexerProvider} and, on the module path, declare
 * {@code provides io.loomux.spi.MultiplexerProvider with ...} in {@code module-info.java}.
 *
 * <p>An implementation has a public no-argument constructor that does no I/O and never throws:
 * a backend that cannot run here says so through {@link #availability()}, so that listing
 * backends always works.
 */
public interface MultiplexerProvider {

    /**
     * @return a short, unique, lower-case name users select the backend by, e.g. {@code "epoll"}
     */
    String name();

    /**
     * @return the preference among available backends: the highest wins when none is named.
     *     The JDK {@code Selector} backend has 10; a native backend built for one OS, 100.
     */
    int priority();

    /**
     * @return whether this backend can run here and, if not, why; cheap after the first call
     */
    Availability availability();

    /**
     * @return how this backend's poll sets report readiness
     */
    Triggering triggering();

    /**
     * Opens the backend.
     *
     * @return a new, independent instance
     * @throws IOException           if it cannot be opened
     * @throws IllegalStateException if {@link #availability()} says unavailable
     */
    Multiplexer open() throws IOException;
}
