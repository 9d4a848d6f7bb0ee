package io.loomux.tck;

import org.testng.SkipException;

/**
 * A skip the kit accepts: the rule does not apply to the backend under test (the other
 * triggering mode, an optional feature it lacks), or cannot be tested on this machine (no IPv6
 * loopback, or a backend unavailable here by design). {@link SkippedRules} counts every other
 * skip against the backend.
 */
final class NotApplicable extends SkipException {
    private static final long serialVersionUID = 1L;

    NotApplicable(String why) {
        super(why);
    }
}
