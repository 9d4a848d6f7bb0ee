package io.loomux.selector.internal;

import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A connected or connecting TCP socket: a non-blocking {@link SocketChannel}. Reads and writes
 * return 0 on "would block" and -1 at end of stream, as the channel does.
 */
public final class ChannelSocketHandle extends ChannelHandle<SocketChannel> implements SocketHandle {

    /** @param channel a channel already in non-blocking mode */
    ChannelSocketHandle(SocketChannel channel) {
        super(channel);
    }

    @Override
    int readOps() {
        return SelectionKey.OP_READ;
    }

    /**
     * While the connect is pending, {@code OP_WRITE} alone would never be reported: the JDK
     * reports {@code OP_WRITE} only on a channel it knows as connected, and learns that only
     * in {@link #finishConnect()}, while the kernel's POLLOUT keeps firing, so the selector
     * would spin. {@code OP_CONNECT} is reported while pending and {@code OP_WRITE} once
     * connected, so arming both stays correct even if another thread finishes the connect
     * between this call and the selection. Once connected, {@code OP_WRITE} alone.
     */
    @Override
    int writeOps() {
        return channel.isConnected() ? SelectionKey.OP_WRITE : SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT;
    }

    /** @return {@link SocketChannel#finishConnect()}; {@code true} at once for accepted sockets */
    @Override
    public boolean finishConnect() throws IOException {
        return channel.finishConnect();
    }

    /** @return the peer's address, known from the start of the connect */
    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        if (channel.getRemoteAddress() instanceof InetSocketAddress a) {
            return a;
        }
        throw new SocketException("Socket is not connected");
    }

    /** @return the count read, 0 if it would block, -1 at end of stream */
    @Override
    public int read(ByteBuffer dst) throws IOException {
        try {
            return channel.read(dst);
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    /** @return the count written, 0 if it would block */
    @Override
    public int write(ByteBuffer src) throws IOException {
        try {
            return channel.write(src);
        } catch (IOException e) {
            throw asSocketException(e);
        }
    }

    /** @return the count written, 0 if it would block */
    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        // The JDK hands at most IOV_MAX buffers to one writev, so a call can take less than was
        // offered while the send buffer still has room. The SPI promises that a short write
        // means "full", so go on until a call takes nothing or nothing is left. Bounded: each
        // pass either writes bytes (finitely many remain) or ends the loop.
        long total = 0;
        try {
            int first = offset;
            int end = offset + length;
            for (;;) {
                long n = channel.write(srcs, first, end - first);
                total += n;
                while (first < end && !srcs[first].hasRemaining()) {
                    first++;
                }
                if (n == 0 || first == end) {
                    return total;
                }
            }
        } catch (IOException e) {
            if (total > 0) {
                return total; // report progress; the error comes back on the next call
            }
            throw asSocketException(e);
        }
    }

    /** Shuts down the output: the peer reads end of stream. */
    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** Shuts down the input: later reads return -1. */
    @Override
    public void shutdownInput() throws IOException {
        channel.shutdownInput();
    }
}
