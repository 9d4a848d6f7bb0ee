package io.loomux;

/**
 * A backend could not be selected: the one named is not present or cannot run here, or none is
 * available. The message says why and lists every backend found, with its availability.
 */
public class BackendSelectionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message why, and what was found
     * @param cause   the failure that made a backend unusable, or null
     */
    public BackendSelectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
