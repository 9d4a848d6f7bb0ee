package io.loomux.bench;

/**
 * The large answer of the h2 case: the 65,536 bytes that {@code loomux hello} serves at
 * {@code /64k} (1,024 lines of 63 letters, a to z over and over from the start of each line, and
 * a newline), made the same way here for the Netty and Helidon servers, so that every server of
 * the case sends one body. The bench checks the bytes each server sends before it measures.
 */
final class SixtyFourK {

    /** Shared, never written to: each server only sends it. */
    static final byte[] BODY = make();

    private SixtyFourK() {
    }

    private static byte[] make() {
        byte[] b = new byte[64 * 1024];
        for (int i = 0; i < b.length; i++) {
            int col = i % 64;
            b[i] = (byte) (col == 63 ? '\n' : 'a' + col % 26);
        }
        return b;
    }
}
