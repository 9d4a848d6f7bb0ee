package io.loomux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Unbuffered stream views of any {@link Connection}, through its own read and write (so a
 * wrapping connection sees the stream's traffic); they add no state of their own beyond a
 * one-byte scratch array, so mixing stream and channel calls is safe. They use nothing but the
 * public interface, so they live beside it: {@link Connection#inputStream()} and
 * {@link Connection#outputStream()} are the only way to them, for implementations too.
 */
final class ConnectionStreams {

    private ConnectionStreams() {
    }

    /** The input view. */
    static final class In extends InputStream {
        private final Connection c;
        private final byte[] one = new byte[1];

        /** @param c the connection to read */
        In(Connection c) {
            this.c = c;
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            return c.read(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public int available() {
            return 0;
        }

        @Override
        public void close() throws IOException {
            c.close();
        }
    }

    /** The output view. */
    static final class Out extends OutputStream {
        private final Connection c;
        private final byte[] one = new byte[1];

        /** @param c the connection to write */
        Out(Connection c) {
            this.c = c;
        }

        @Override
        public void write(int b) throws IOException {
            one[0] = (byte) b;
            write(one, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            c.write(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public void close() throws IOException {
            c.close();
        }
    }
}
