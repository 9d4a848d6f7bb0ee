package io.loomux.http.internal.hpack;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A growable byte array that {@link HpackEncoder} writes a header block into. It grows by doubling
 * and is meant to be kept per connection and {@linkplain #reset() reset} for each block, so that
 * encoding allocates nothing once it has grown to the connection's usual block size. The block is
 * the first {@link #size()} bytes of {@link #array()}, which the caller cuts into HEADERS and
 * CONTINUATION frames.
 */
public final class HpackOutput {

    private byte[] bytes;
    private int size;

    /** An output with room for 256 bytes before it grows. */
    public HpackOutput() {
        this(256);
    }

    /**
     * @param initialCapacity the bytes it holds before it first grows; at least 1
     */
    public HpackOutput(int initialCapacity) {
        if (initialCapacity < 1) {
            throw new IllegalArgumentException("capacity " + initialCapacity);
        }
        bytes = new byte[initialCapacity];
    }

    /**
     * @return the number of bytes written since the last {@link #reset()}
     */
    public int size() {
        return size;
    }

    /**
     * @return the backing array, whose first {@link #size()} bytes are the output; it is replaced
     *         when the output grows, so it is valid only until the next write
     */
    public byte[] array() {
        return bytes;
    }

    /**
     * @return a buffer over the bytes written, sharing the backing array (see {@link #array()})
     */
    public ByteBuffer asByteBuffer() {
        return ByteBuffer.wrap(bytes, 0, size);
    }

    /**
     * @return a copy of the bytes written
     */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    /** Forgets the bytes written, keeping the capacity. */
    public void reset() {
        size = 0;
    }

    void writeByte(int b) {
        if (size == bytes.length) {
            grow(1);
        }
        bytes[size++] = (byte) b;
    }

    /** Writes each char as one octet; the caller has checked that all are at most U+00FF. */
    void writeLatin1(CharSequence s) {
        int n = s.length();
        if (bytes.length - size < n) {
            grow(n);
        }
        for (int i = 0; i < n; i++) {
            bytes[size + i] = (byte) s.charAt(i);
        }
        size += n;
    }

    private void grow(int more) {
        long wanted = Math.max((long) bytes.length * 2, (long) size + more);
        if (wanted > Integer.MAX_VALUE - 8) {
            throw new OutOfMemoryError("header block of " + wanted + " bytes");
        }
        bytes = Arrays.copyOf(bytes, (int) wanted);
    }
}
