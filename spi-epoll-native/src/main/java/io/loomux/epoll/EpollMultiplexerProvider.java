package io.loomux.epoll;

import io.loomux.spi.Availability;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.Triggering;

import java.io.IOException;

/**
 * The Linux epoll backend: every socket is registered once, edge-triggered, for both directions
 * ({@code EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET}), so waiting for readiness costs no system
 * call beyond the I/O itself. Found through {@link java.util.ServiceLoader} as {@code "epoll"};
 * priority 100, above the portable Selector backend.
 *
 * <p>Unavailable, with the reason, when not on Linux, when the jar carries no library for this
 * architecture, when the library fails to load (e.g. a glibc too old), or when
 * {@code -Dloomux.epoll.disable=true} is set. See {@code README.md} of the module.
 */
public final class EpollMultiplexerProvider implements MultiplexerProvider {

    /** The name users select this backend by. */
    public static final String NAME = "epoll";

    /** Does nothing: no I/O and no library loading happen before {@link #availability()}. */
    public EpollMultiplexerProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 100;
    }

    /**
     * Loads the native library on the first call (once per class loader) and never throws.
     *
     * @return available, or unavailable with the cause
     */
    @Override
    public Availability availability() {
        return NativeLibrary.availability();
    }

    /** @return {@link Triggering#EDGE} */
    @Override
    public Triggering triggering() {
        return Triggering.EDGE;
    }

    /**
     * @return a new multiplexer
     * @throws IllegalStateException if unavailable, with the reason
     */
    @Override
    public Multiplexer open() throws IOException {
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("loomux backend 'epoll' is unavailable: " + a.reason());
        }
        return new EpollMultiplexer();
    }

    @Override
    public String toString() {
        return "EpollMultiplexerProvider[" + NAME + ", priority 100]";
    }
}
