package io.loomux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * A connected TCP socket with blocking semantics: a read or write that cannot proceed parks the
 * calling thread until the multiplexer reports the socket ready, the deadline passes, the
 * connection is closed, or the thread is interrupted.
 *
 * <p>Like {@link java.nio.channels.SocketChannel} in blocking mode: one thread may read while
 * another writes; a read returns at least one byte or -1; a write writes every byte before it
 * returns. {@link #inputStream()} and {@link #outputStream()} are views of the same socket.
 *
 * <p>Errors are the JDK's: {@link java.net.SocketTimeoutException} when a read or write timeout
 * passes (after a read timeout the connection stays usable; after a write timeout the buffer's
 * position says what was written); {@link java.nio.channels.AsynchronousCloseException} when
 * another thread closes the connection while this one waits;
 * {@link java.nio.channels.ClosedChannelException} after close;
 * {@link java.nio.channels.ClosedByInterruptException} when the waiting (or entering) thread is
 * interrupted, which closes the connection as {@link java.nio.channels.InterruptibleChannel}
 * does; {@link java.net.SocketException} "Connection reset" when the peer resets it.
 */
public interface Connection extends ByteChannel, GatheringByteChannel {

    /**
     * Reads at least one byte, waiting for data if none is available.
     *
     * @param dst the buffer to fill from its position
     * @return the count read, -1 at end of stream, 0 only if {@code dst} has no space
     * @throws IOException as described on the class
     */
    @Override
    int read(ByteBuffer dst) throws IOException;

    /**
     * Writes every remaining byte, waiting for socket buffer space as needed.
     *
     * @param src the bytes to write
     * @return the count written (all that remained)
     * @throws IOException as described on the class
     */
    @Override
    int write(ByteBuffer src) throws IOException;

    /**
     * Writes every remaining byte of the buffers, in as few system calls as the backend can.
     *
     * @param srcs   the buffers
     * @param offset the first buffer
     * @param length how many buffers
     * @return the count written
     * @throws IOException as described on the class
     */
    @Override
    long write(ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Writes every remaining byte of all the buffers.
     *
     * @param srcs the buffers
     * @return the count written
     * @throws IOException as described on the class
     */
    @Override
    default long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    /**
     * @return an unbuffered input stream over this connection, reading through
     *     {@link #read(ByteBuffer)}; {@code close()} on it closes the connection;
     *     {@code available()} is 0
     */
    default InputStream inputStream() {
        return new ConnectionStreams.In(this);
    }

    /**
     * @return an unbuffered output stream over this connection, writing through
     *     {@link #write(ByteBuffer)}; {@code close()} on it closes the connection
     */
    default OutputStream outputStream() {
        return new ConnectionStreams.Out(this);
    }

    /**
     * @param timeout the longest a read waits; {@code null}, zero or negative means no limit
     * @return this
     */
    Connection setReadTimeout(Duration timeout);

    /** @return the read timeout, {@link Duration#ZERO} for none */
    Duration readTimeout();

    /**
     * @param timeout the longest one write call waits for buffer space, in all; {@code null},
     *                zero or negative means no limit
     * @return this
     */
    Connection setWriteTimeout(Duration timeout);

    /** @return the write timeout, {@link Duration#ZERO} for none */
    Duration writeTimeout();

    /**
     * Reads what is already queued, without waiting: the read a turn of
     * {@link #onReadable(Runnable)} work loops on until it returns 0.
     *
     * @param dst the buffer to fill from its position
     * @return the count read; 0 if nothing is queued (or {@code dst} has no space); -1 at end
     *     of stream
     * @throws IOException as described on the class (never a timeout: it does not wait)
     */
    int readAvailable(ByteBuffer dst) throws IOException;

    /**
     * Gives up waiting with a thread: runs {@code task} on a new virtual thread once this
     * connection has something for a reader (bytes, end of stream, an error) or is closed, while
     * no thread waits meanwhile. A connection that is idle for long then costs no parked thread,
     * no stack and no buffer, only the connection itself.
     *
     * <p>Call it where a read would otherwise wait: after {@link #readAvailable} returned 0, or a
     * read came back with fewer bytes than asked (the data so far is consumed). It returns false,
     * and does not run the task, when it cannot prove that nothing is waiting to be read (an event
     * has arrived, the last read filled its buffer, the peer hung up, the connection is closed):
     * read now, on the calling thread.
     * Until the task runs, the connection must not be read from: a read that would wait then
     * throws {@link IllegalStateException}. Writing is unaffected. The read timeout does not
     * apply to this wait; a server limits idle connections by closing them, which runs the task.
     * If no thread can be started for the task then, the connection is closed and the task never
     * runs; {@link #onReadable(Runnable, Executor)} lets the caller know.
     *
     * @param task what serves the connection next; it sees any close as its read's exception
     * @return true if armed (the task runs later, once); false if the caller should read now
     * @throws IllegalStateException if another thread is reading, or a task is already armed
     *     and has not run yet (the armed task stays armed)
     */
    default boolean onReadable(Runnable task) {
        return onReadable(task, Thread::startVirtualThread);
    }

    /**
     * As {@link #onReadable(Runnable)}, with the task's thread started by the caller: when the
     * time comes, the runtime calls {@code starter.execute(task)}, once, instead of starting a
     * virtual thread itself. That call is made on a poller thread or on the thread that closes
     * the connection, so it must be quick and must never block: start a thread, and keep
     * whatever books go with it. If it throws, the runtime closes the connection (the starter has
     * then had its chance to note that no thread started). A server that counts its connections
     * needs this, since a thread that cannot start is otherwise seen only by the runtime.
     *
     * @param task    what serves the connection next
     * @param starter starts a thread for {@code task}; non-blocking
     * @return as {@link #onReadable(Runnable)}
     * @throws IllegalStateException as {@link #onReadable(Runnable)}
     */
    boolean onReadable(Runnable task, Executor starter);

    /**
     * Half-closes: the peer reads end of stream; this side can still read.
     *
     * @throws IOException on a socket error or if closed
     */
    void shutdownOutput() throws IOException;

    /**
     * Shuts down the input: later reads return -1.
     *
     * @throws IOException on a socket error or if closed
     */
    void shutdownInput() throws IOException;

    /**
     * @param <T>    the option's type
     * @param option e.g. {@link java.net.StandardSocketOptions#TCP_NODELAY}
     * @param value  the new value
     * @return this
     * @throws IOException                   if it fails or the connection is closed
     * @throws UnsupportedOperationException if the backend does not support the option
     */
    <T> Connection setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * @param <T>    the option's type
     * @param option the option
     * @return its value
     * @throws IOException                   if it fails or the connection is closed
     * @throws UnsupportedOperationException if the backend does not support the option
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /**
     * Read once connected and kept: after close it returns the address the connection had, as
     * {@link java.net.Socket#getLocalSocketAddress()} does.
     *
     * @return the local address; null only if it could not be read before the connection closed
     */
    InetSocketAddress localAddress();

    /**
     * Read once connected and kept: after close it returns the address the connection had, as
     * {@link java.net.Socket#getRemoteSocketAddress()} does.
     *
     * @return the peer's address; null only if it could not be read before the connection closed
     *     (a peer that reset the connection at once, for instance)
     */
    InetSocketAddress remoteAddress();

    /**
     * Closes the connection. Threads parked in read or write on it wake at once with
     * {@link java.nio.channels.AsynchronousCloseException}. The descriptor is released only when
     * no thread can still use it. Idempotent.
     */
    @Override
    void close() throws IOException;
}
