package io.loomux.http;

/**
 * What a step of a handler threw, as a name a test compares across implementations: handlers
 * note it, and the test checks the notes once the exchange is over.
 */
final class Thrown {

    private Thrown() {
    }

    /** A step that may throw anything. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** @return the simple name of what the step threw, or "nothing" */
    static String by(Step step) {
        try {
            step.run();
            return "nothing";
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
