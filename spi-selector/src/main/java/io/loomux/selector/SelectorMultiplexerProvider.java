package io.loomux.selector;

import io.loomux.selector.internal.SelectorMultiplexer;
import io.loomux.spi.Availability;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.nio.channels.Selector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ServiceConfigurationError;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code "selector"} backend: portable, on {@link java.nio.channels.Selector}, priority 10,
 * {@link Triggering#ONE_SHOT}. Found through {@link java.util.ServiceLoader}.
 */
public final class SelectorMultiplexerProvider implements MultiplexerProvider {

    /** The name users select this backend by. */
    public static final String NAME = "selector";

    /** Below any native backend (100), so a native one wins where it is available. */
    public static final int PRIORITY = 10;

    // A lock rather than a monitor: a virtual thread may ask, and on JDK 21 a monitor would pin it
    // for the duration of the probe's system calls.
    private final ReentrantLock probeLock = new ReentrantLock();
    private volatile Availability availability;

    /** Does nothing, in particular no I/O: the probe waits for the first {@link #availability()}. */
    public SelectorMultiplexerProvider() {
    }

    /** @return {@value #NAME} */
    @Override
    public String name() {
        return NAME;
    }

    /** @return {@value #PRIORITY} */
    @Override
    public int priority() {
        return PRIORITY;
    }

    /**
     * Opens and closes one {@code Selector} the first time it is asked, and remembers the answer.
     *
     * @return available, or the reason the JDK could not open a selector
     */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a != null) {
            return a;
        }
        probeLock.lock();
        try {
            if (availability == null) {
                availability = probe();
            }
            return availability;
        } finally {
            probeLock.unlock();
        }
    }

    /** @return {@link Triggering#ONE_SHOT}: a reported direction stays quiet until armed again */
    @Override
    public Triggering triggering() {
        return Triggering.ONE_SHOT;
    }

    /**
     * @return a new, independent multiplexer
     * @throws IllegalStateException if {@link #availability()} says unavailable
     */
    @Override
    public Multiplexer open() throws IOException {
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("the " + NAME + " backend is unavailable: " + a.reason());
        }
        return new SelectorMultiplexer(SelectorProvider.provider());
    }

    private static Availability probe() {
        try {
            Selector probe = SelectorProvider.provider().openSelector();
            probe.close();
            return Availability.ok();
        } catch (IOException | RuntimeException | ServiceConfigurationError | LinkageError e) {
            // Listing backends must keep working whatever went wrong, so every failure the
            // JDK can raise here becomes a reason rather than an exception.
            return Availability.unavailable("cannot open a java.nio.channels.Selector: " + e);
        }
    }

    /** @return the name, priority and triggering, for logs */
    @Override
    public String toString() {
        return NAME + " (priority " + PRIORITY + ", " + Triggering.ONE_SHOT + ")";
    }
}
