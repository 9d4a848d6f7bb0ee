package io.loomux.http.internal;

import io.loomux.Connection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * A {@link Connection} over bytes in memory: reads hand out the given input, in pieces whose
 * sizes cycle through a fixed pattern (so that lines and chunks straddle reads as they do on a
 * socket), then end of stream; writes are kept. It never waits, so whatever reads it does not
 * block: a fuzz input always runs to its end.
 */
final class MemoryConnection implements Connection {

    /** Sizes of successive reads: small ones split lines and CRLFs, large ones fill buffers. */
    private static final int[] READ_SIZES = {7, 1, 64, 2, 4096, 3, 513};
    private static final InetSocketAddress LOCAL = new InetSocketAddress(InetAddress.getLoopbackAddress(), 80);
    private static final InetSocketAddress REMOTE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    private final byte[] input;
    private int delivered;
    private int reads;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private volatile boolean closed;
    private boolean outputShut;
    private Duration readTimeout = Duration.ZERO;
    private Duration writeTimeout = Duration.ZERO;

    MemoryConnection(byte[] input) {
        this.input = input;
    }

    /** @return how many input bytes the reader has taken so far */
    int delivered() {
        return delivered;
    }

    /** @return everything written */
    byte[] written() {
        return output.toByteArray();
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (delivered == input.length) {
            return -1;
        }
        int n = Math.min(Math.min(dst.remaining(), input.length - delivered), READ_SIZES[reads++ % READ_SIZES.length]);
        dst.put(input, delivered, n);
        delivered += n;
        return n;
    }

    @Override
    public int readAvailable(ByteBuffer dst) throws IOException {
        return read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (closed || outputShut) {
            throw new ClosedChannelException();
        }
        int n = src.remaining();
        if (src.hasArray()) {
            output.write(src.array(), src.arrayOffset() + src.position(), n);
            src.position(src.limit());
        } else {
            byte[] b = new byte[n];
            src.get(b);
            output.write(b, 0, n);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += write(srcs[i]);
        }
        return n;
    }

    @Override
    public Connection setReadTimeout(Duration timeout) {
        readTimeout = timeout;
        return this;
    }

    @Override
    public Duration readTimeout() {
        return readTimeout;
    }

    @Override
    public Connection setWriteTimeout(Duration timeout) {
        writeTimeout = timeout;
        return this;
    }

    @Override
    public Duration writeTimeout() {
        return writeTimeout;
    }

    @Override
    public boolean onReadable(Runnable task, Executor starter) {
        // Never armed: the caller reads now, and the read never waits.
        return false;
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        outputShut = true;
    }

    @Override
    public void shutdownInput() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        delivered = input.length;
    }

    @Override
    public <T> Connection setOption(SocketOption<T> option, T value) {
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) {
        throw new UnsupportedOperationException(option.name());
    }

    @Override
    public InetSocketAddress localAddress() {
        return LOCAL;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return REMOTE;
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
