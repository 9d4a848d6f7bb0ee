package io.loomux.tck.faults;

/**
 * The unchecked exception of an injected {@link Fault#POLL_FAILURE}. Without a stack trace: the
 * blocking layer logs every poll failure, and the message (which names the injector and its
 * seed) says all there is.
 */
final class InjectedPollFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    InjectedPollFailure(String message) {
        super(message, null, false, false);
    }
}
