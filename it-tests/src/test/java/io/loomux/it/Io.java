package io.loomux.it;

import io.loomux.Connection;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Blocking I/O helpers whose loops are bounded by the bytes they move. */
final class Io {

    private Io() {
    }

    /**
     * Reads exactly {@code len} bytes; each read returns at least one byte, so the loop runs at
     * most {@code len} times, and the stream's own timeout bounds each wait.
     */
    static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int got = 0;
        for (int guard = 0; got < len; guard++) {
            if (guard > len) {
                throw new AssertionError("read loop did not progress");
            }
            int n = in.read(b, off + got, len - got);
            if (n < 0) {
                throw new EOFException("end of stream after " + got + " of " + len + " bytes");
            }
            got += n;
        }
    }

    /** Fills {@code dst}'s remaining space from a loomux connection, bounded as above. */
    static void readFully(Connection c, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        for (int guard = 0; dst.hasRemaining(); guard++) {
            if (guard > want) {
                throw new AssertionError("read loop did not progress");
            }
            int n = c.read(dst);
            if (n < 0) {
                throw new EOFException("end of stream after " + (want - dst.remaining()) + " of " + want + " bytes");
            }
            if (n == 0) {
                throw new AssertionError("Connection.read returned 0 with " + dst.remaining() + " bytes of space");
            }
        }
    }

    /**
     * Reads until end of stream; fails if more than {@code max} bytes arrive first.
     *
     * @return the count read before end of stream
     */
    static long drainToEof(InputStream in, long max) throws IOException {
        byte[] buf = new byte[8192];
        long total = 0;
        for (long guard = 0; guard <= max + 1; guard++) {
            int n = in.read(buf);
            if (n < 0) {
                return total;
            }
            total += n;
            if (total > max) {
                throw new AssertionError("more than " + max + " bytes before end of stream");
            }
        }
        throw new AssertionError("no end of stream after " + total + " bytes");
    }

    /** @return a JDK socket connected to {@code to}, with reads timing out after {@code soTimeoutMs} */
    static Socket jdkConnect(InetSocketAddress to, int soTimeoutMs) throws IOException {
        Socket s = new Socket();
        try {
            s.setSoTimeout(soTimeoutMs);
            s.setTcpNoDelay(true);
            s.connect(to, 10_000);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Throws with the first differing offset if the two differ. */
    static void assertSameBytes(byte[] expected, byte[] actual, String what) {
        int at = Arrays.mismatch(expected, actual);
        if (at >= 0) {
            throw new AssertionError(what + ": first difference at byte " + at + " of " + expected.length
                    + " (expected " + (at < expected.length ? expected[at] : "end") + ", got "
                    + (at < actual.length ? actual[at] : "end") + ")");
        }
    }

    /** A deterministic byte stream with no short period: byte i of it. */
    static byte patternAt(long i) {
        long x = (i + 1) * 0x9E3779B97F4A7C15L;
        return (byte) ((x >>> 56) ^ (i >>> 10));
    }

    /** Fills {@code b[0..len)} with pattern bytes starting at stream offset {@code from}. */
    static void fillPattern(byte[] b, int len, long from) {
        for (int i = 0; i < len; i++) {
            b[i] = patternAt(from + i);
        }
    }

    /** Checks {@code b[0..len)} against the pattern from stream offset {@code from}. */
    static void checkPattern(byte[] b, int len, long from, String what) {
        for (int i = 0; i < len; i++) {
            if (b[i] != patternAt(from + i)) {
                throw new AssertionError(what + ": wrong byte at stream offset " + (from + i)
                        + ": expected " + patternAt(from + i) + ", got " + b[i]);
            }
        }
    }
}
