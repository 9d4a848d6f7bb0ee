package io.loomux.internal;

import io.loomux.BackendInfo;
import io.loomux.BackendSelectionException;
import io.loomux.spi.Availability;
import io.loomux.spi.MultiplexerProvider;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds backends through {@link ServiceLoader} and picks one. A named backend that is absent or
 * unavailable is an error naming what was found; there is no silent fallback.
 */
public final class Selection {

    /**
     * The system property naming the backend, published as {@code Loomux.BACKEND_PROPERTY}.
     * Declared here, where it is read, so that this class does not depend back on {@code Loomux},
     * which uses it.
     */
    public static final String BACKEND_PROPERTY = "loomux.backend";

    /** The system property setting the poller count, published as {@code Loomux.POLLERS_PROPERTY}. */
    public static final String POLLERS_PROPERTY = "loomux.pollers";

    private Selection() {
    }

    /** @return every provider found, highest priority first, ties by name */
    static List<MultiplexerProvider> providers() {
        List<MultiplexerProvider> found = new ArrayList<>();
        ServiceLoader<MultiplexerProvider> loader = ServiceLoader.load(MultiplexerProvider.class);
        var it = loader.iterator();
        // A broken plugin (bad service entry, throwing constructor) must not hide the others:
        // skip it and go on, bounded by the number of entries the loader yields.
        for (int guard = 0; guard < 10_000; guard++) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                System.getLogger("io.loomux").log(System.Logger.Level.WARNING,
                        "skipping a multiplexer provider that failed to load: " + e.getMessage());
            }
        }
        found.sort(Comparator.comparingInt(MultiplexerProvider::priority).reversed()
                .thenComparing(MultiplexerProvider::name));
        return found;
    }

    /** @return {@link #providers()} described */
    public static List<BackendInfo> discover() {
        return providers().stream().map(Selection::info).toList();
    }

    /**
     * @param p a provider
     * @return its description, with an availability that never throws
     */
    public static BackendInfo info(MultiplexerProvider p) {
        return new BackendInfo(p.name(), p.priority(), p.triggering(), availabilityOf(p), p.getClass().getName());
    }

    private static Availability availabilityOf(MultiplexerProvider p) {
        try {
            Availability a = p.availability();
            return a != null ? a : Availability.unavailable("provider returned no availability");
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("availability check failed: " + e);
        }
    }

    /**
     * @param name the backend to use, or null/blank for the highest-priority available one
     * @return the provider
     * @throws BackendSelectionException if it is absent or unavailable, or none is available
     */
    public static MultiplexerProvider select(String name) {
        List<MultiplexerProvider> all = providers();
        if (name == null || name.isBlank()) {
            for (MultiplexerProvider p : all) {
                if (availabilityOf(p).available()) {
                    return p;
                }
            }
            throw new BackendSelectionException("no available loomux backend; " + found(all)
                    + ". Add a backend jar such as loomux-spi-selector to the class or module path.", null);
        }
        String wanted = name.trim();
        for (MultiplexerProvider p : all) {
            if (p.name().equalsIgnoreCase(wanted)) {
                return checked(p);
            }
        }
        throw new BackendSelectionException("loomux backend '" + wanted + "' not found (requested by "
                + (name.equals(System.getProperty(BACKEND_PROPERTY)) ? "-D" + BACKEND_PROPERTY : "the caller")
                + "); " + found(all), null);
    }

    /**
     * @param p a provider the caller chose
     * @return {@code p}
     * @throws BackendSelectionException if it is unavailable, with its reason
     */
    public static MultiplexerProvider checked(MultiplexerProvider p) {
        Availability a = availabilityOf(p);
        if (!a.available()) {
            throw new BackendSelectionException("loomux backend '" + p.name() + "' is unavailable: "
                    + a.reason() + "; " + found(providers()), null);
        }
        return p;
    }

    private static String found(List<MultiplexerProvider> all) {
        if (all.isEmpty()) {
            return "found no backends at all";
        }
        return "found: " + all.stream().map(p -> {
            Availability a = availabilityOf(p);
            return p.name() + " (priority " + p.priority() + ", "
                    + (a.available() ? "available" : "unavailable: " + a.reason()) + ")";
        }).collect(Collectors.joining(", "));
    }

    /**
     * @param requested the builder's count, 0 for the default
     * @return the poller count to use
     * @throws IllegalArgumentException if {@link #POLLERS_PROPERTY} is not a positive integer
     */
    public static int pollerCount(int requested) {
        if (requested > 0) {
            return requested;
        }
        String prop = System.getProperty(POLLERS_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            try {
                int n = Integer.parseInt(prop.trim());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("-D" + POLLERS_PROPERTY + " must be a positive integer, not '" + prop + "'");
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    }
}
