package io.loomux.spi;

/**
 * Bits that a {@link PollSet} reports for a registration, and that {@link Registration#arm(int)}
 * takes for interest ({@link #READABLE} and {@link #WRITABLE} only).
 */
public final class Events {
    /** Data, end of stream or a pending connection can be taken without blocking. */
    public static final int READABLE = 1;
    /** Bytes can be written, or a pending connect has finished (successfully or not). */
    public static final int WRITABLE = 2;
    /**
     * The peer hung up or shut down its output (Linux {@code EPOLLHUP}, {@code EPOLLRDHUP});
     * wakes both directions, and tells an edge-triggered reader that no later edge will announce
     * the end of stream. Optional for {@link Triggering#ONE_SHOT} backends, which may report a
     * hang-up as readiness of the armed directions (as a JDK {@code Selector} does).
     */
    public static final int HANGUP = 4;
    /** The socket has a pending error; wakes both directions. Optional as {@link #HANGUP} is. */
    public static final int ERROR = 8;

    private Events() {
    }

    /**
     * @param events bits from a poll
     * @return a readable form such as {@code "READABLE|HANGUP"}, for logs and test failures
     */
    public static String toString(int events) {
        if (events == 0) {
            return "NONE";
        }
        StringBuilder sb = new StringBuilder();
        String[] names = {"READABLE", "WRITABLE", "HANGUP", "ERROR"};
        for (int i = 0; i < names.length; i++) {
            if ((events & (1 << i)) != 0) {
                sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
            }
        }
        int unknown = events & ~0xF;
        if (unknown != 0) {
            sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(unknown));
        }
        return sb.toString();
    }
}
