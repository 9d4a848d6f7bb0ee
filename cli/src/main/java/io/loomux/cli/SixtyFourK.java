package io.loomux.cli;

/**
 * The benchmarks' large answer, which {@code loomux hello} serves at {@code /64k}: 65,536 bytes,
 * 1,024 lines of 63 letters (a to z over and over, starting again on each line) and a newline.
 *
 * <p>Public for one other user, the benchmarks module, whose Netty and Helidon servers send these
 * very bytes, so that every server of a case sends one body (the bench checks each server's before
 * it measures); the module does not export this package, so only class-path code (the benchmarks
 * are) can reach it, and it is no API of loomux.
 */
public final class SixtyFourK {

    private SixtyFourK() {
    }

    /** @return a new array of the 65,536 bytes */
    public static byte[] body() {
        byte[] b = new byte[64 * 1024];
        for (int i = 0; i < b.length; i++) {
            int col = i % 64;
            b[i] = (byte) (col == 63 ? '\n' : 'a' + col % 26);
        }
        return b;
    }
}
