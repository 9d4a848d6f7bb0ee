package io.loomux.tck.faults;

/**
 * The kinds of fault a {@link FaultInjectingProvider} injects. Each stays inside the contract of
 * {@code io.loomux.spi}: it is something a correct backend may do on a bad day, so a correct
 * blocking layer must lose nothing and hang nowhere because of it. The rate of each is set in a
 * {@link FaultPlan}, per mille of the calls it applies to.
 */
public enum Fault {
    /**
     * A read takes fewer bytes than offered and than are queued. On an
     * {@link io.loomux.spi.Triggering#EDGE} backend the layer takes a short read as proof that
     * the queue is empty and waits for the next edge, so the injector then reports READABLE for
     * the socket at the next poll, as if the rest had arrived just after the read. Rate per read.
     */
    SHORT_READ("short read"),
    /**
     * A write takes fewer bytes than offered while the send buffer has room; on an EDGE backend
     * followed by a WRITABLE report at the next poll, as if the buffer had just drained. Rate per
     * write.
     */
    SHORT_WRITE("short write"),
    /**
     * A storm of "would block": a read, write or accept returns 0 (or {@code null}) without
     * asking the backend, and so do up to {@link FaultPlan#stormLength()} - 1 more calls in the
     * same direction. "Would block" promises a later report: on an EDGE backend each is followed
     * by a report of that direction at the next poll; a ONE_SHOT backend reports it when the
     * layer arms, since the socket is still ready. Counted once per call; rate per call.
     */
    WOULD_BLOCK("would block"),
    /**
     * A report for a registration that is not ready: on EDGE any direction, on ONE_SHOT only
     * interest that is armed and not yet reported (so a ONE_SHOT registration is never reported
     * before it is armed, nor twice for one arming). Rate per poll.
     */
    SPURIOUS_EVENT("spurious event"),
    /**
     * A report held back and given by one of the next {@link FaultPlan#lateBound()} polls; while
     * one is held, no poll waits, so the report is late by polls, never by a timeout. The same as
     * readiness that arrived just after the poll returned. Rate per report.
     */
    LATE_EVENT("late event"),
    /**
     * A report given again by the next poll (on ONE_SHOT only if the layer has armed that
     * interest again by then, as a report that was stale by the time it was read). Rate per
     * report.
     */
    DUPLICATE_EVENT("duplicate event"),
    /**
     * A read throws {@code SocketException("Connection reset")}. The connection is faulted for
     * good: every later read and write throws too, an ERROR report wakes any thread waiting on
     * it, and its close sends a reset ({@code SO_LINGER} 0) where the backend supports it.
     * Rate per read.
     */
    RESET("reset"),
    /**
     * A write throws {@code SocketException("Broken pipe")}; the connection is faulted for good
     * as with {@link #RESET}. Rate per write.
     */
    BROKEN_PIPE("broken pipe"),
    /**
     * {@code accept} throws {@code SocketException("Too many open files")} (EMFILE) or
     * {@code "Too many open files in system"} (ENFILE) without taking a connection, so what was
     * pending stays queued; up to {@link FaultPlan#stormLength()} - 1 more accepts fail the
     * same way. Counted once per failed call; rate per accept.
     */
    TOO_MANY_OPEN_FILES("too many open files"),
    /**
     * {@code poll} throws an unchecked exception without polling, which the contract says the
     * blocking layer logs and survives. Never more than three in a row, far below the run of
     * failures after which the layer gives the poll set up; never an {@code IOException}, which
     * means the poll set is broken for good and closes the runtime. Rate per poll.
     */
    POLL_FAILURE("poll failure");

    private final String label;

    Fault(String label) {
        this.label = label;
    }

    /** @return a short lower-case name, for summaries such as {@link FaultCounts#toString()} */
    public String label() {
        return label;
    }
}
