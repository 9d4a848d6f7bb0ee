package com.example.loomux.counting;

import io.loomux.spi.Availability;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * The {@code "counting"} backend: wraps another backend and counts what passes through it
 * ({@link Counts}). The wrapped backend is found through {@link ServiceLoader} by name when first
 * needed: {@value #DELEGATE_PROPERTY}, {@code "selector"} by default. Priority 1, below every real
 * backend, so it is used only when named ({@code -Dloomux.backend=counting}).
 *
 * <p>It shows what a plugin is: this class, a {@code META-INF/services} entry and a
 * {@code provides} clause. Wrapping is also how a plugin injects faults for tests.
 */
public final class CountingMultiplexerProvider implements MultiplexerProvider {

    /** The name users select this backend by. */
    public static final String NAME = "counting";

    /** System property naming the backend to wrap. */
    public static final String DELEGATE_PROPERTY = "loomux.counting.delegate";

    /** Below every real backend. */
    public static final int PRIORITY = 1;

    private volatile MultiplexerProvider delegate;
    private volatile Availability availability;

    /** Does nothing: the wrapped backend is looked up on first use. */
    public CountingMultiplexerProvider() {
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

    /** @return available when the wrapped backend is found and available; otherwise why not */
    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = probe();
            availability = a;
        }
        return a;
    }

    /** @return the wrapped backend's triggering; {@link Triggering#ONE_SHOT} while none is found */
    @Override
    public Triggering triggering() {
        availability();
        MultiplexerProvider d = delegate;
        return d != null ? d.triggering() : Triggering.ONE_SHOT;
    }

    /**
     * @return the wrapped backend, opened and wrapped
     * @throws IllegalStateException if unavailable
     */
    @Override
    public Multiplexer open() throws IOException {
        Availability a = availability();
        if (!a.available()) {
            throw new IllegalStateException("the " + NAME + " backend is unavailable: " + a.reason());
        }
        return new Counting.Mux(delegate.open());
    }

    private Availability probe() {
        String wanted = System.getProperty(DELEGATE_PROPERTY, "selector").trim();
        if (wanted.equalsIgnoreCase(NAME)) {
            return Availability.unavailable("-D" + DELEGATE_PROPERTY + " names this backend itself");
        }
        try {
            var it = ServiceLoader.load(MultiplexerProvider.class).iterator();
            // Bounded by the entries the loader yields; a broken entry is skipped.
            for (int guard = 0; guard < 10_000; guard++) {
                MultiplexerProvider p;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    p = it.next();
                } catch (ServiceConfigurationError e) {
                    continue;
                }
                if (p.name().equalsIgnoreCase(wanted) && !(p instanceof CountingMultiplexerProvider)) {
                    Availability a = p.availability();
                    if (a == null || !a.available()) {
                        return Availability.unavailable("the wrapped backend '" + wanted + "' is unavailable: "
                                + (a == null ? "no reason given" : a.reason()));
                    }
                    delegate = p;
                    return Availability.ok();
                }
            }
        } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
            // ServiceConfigurationError from load() itself: a module without 'uses
            // io.loomux.spi.MultiplexerProvider' may not look providers up. Availability must
            // report that, never throw it.
            return Availability.unavailable("looking for the backend to wrap failed: " + e);
        }
        return Availability.unavailable("it wraps the '" + wanted + "' backend, which is not on the class or module path"
                + " (add loomux-spi-selector, or name another with -D" + DELEGATE_PROPERTY + ")");
    }

    /** @return the name, priority and wrapped backend, for logs */
    @Override
    public String toString() {
        MultiplexerProvider d = delegate;
        return NAME + " (priority " + PRIORITY + ", wrapping " + (d == null ? "nothing yet" : d.name()) + ")";
    }
}
