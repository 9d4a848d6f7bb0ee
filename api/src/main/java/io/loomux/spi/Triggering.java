package io.loomux.spi;

/**
 * How a backend's poll set reports readiness; the blocking layer adapts to either.
 */
public enum Triggering {
    /**
     * Every socket is registered once for both directions and reported each time it becomes
     * readable or writable (or hangs up), with no re-arming: Linux {@code EPOLLET}.
     * {@link Registration#arm(int)} is never needed and may do nothing. Because an edge is
     * reported once, the blocking layer drains (reads, writes, accepts until "would block")
     * before it waits.
     */
    EDGE,
    /**
     * Readiness is reported only for interest that was armed with {@link Registration#arm(int)},
     * at most once per arming; the report disarms it. Arming checks the current state: arming a
     * socket that is already ready reports it on the next poll. This is {@code EPOLLONESHOT},
     * and how a level-triggered mechanism ({@code poll(2)}, a {@code Selector}) behaves when it
     * drops interest once it has reported it.
     */
    ONE_SHOT
}
