package io.loomux.http.internal;

import java.time.Duration;
import java.util.Objects;

/** The checks the settings builders share: a limit's floor, a positive duration. */
public final class SettingChecks {

    private SettingChecks() {
    }

    /**
     * @param what the setting's name, for the message
     * @param n    its value
     * @param min  the least it may be
     * @return {@code n}
     * @throws IllegalArgumentException if {@code n < min}
     */
    public static int atLeast(String what, int n, int min) {
        if (n < min) {
            throw new IllegalArgumentException(what + " must be at least " + min + ": " + n);
        }
        return n;
    }

    /**
     * @param what the setting's name, for the message
     * @param d    its value
     * @return {@code d}
     * @throws IllegalArgumentException if {@code d} is zero or negative
     */
    public static Duration positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be above zero: " + d);
        }
        return d;
    }
}
