package io.loomux.spi;

import java.util.Objects;

/**
 * Whether a backend can run here, and if not, why.
 *
 * @param available true when the backend can be opened on this machine and JVM
 * @param reason    empty when available; otherwise a sentence a user can act on, for example
 *                  "not Linux (os.name=Mac OS X)" or "native library failed to load: ..."
 */
public record Availability(boolean available, String reason) {

    private static final Availability AVAILABLE = new Availability(true, "");

    /**
     * Checks the reason is present.
     *
     * @throws NullPointerException     if {@code reason} is null
     * @throws IllegalArgumentException if unavailable with a blank reason
     */
    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable backend must say why");
        }
    }

    /** @return the backend can run here */
    public static Availability ok() {
        return AVAILABLE;
    }

    /**
     * @param reason why the backend cannot run here, a sentence a user can act on
     * @return the backend cannot run here
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
