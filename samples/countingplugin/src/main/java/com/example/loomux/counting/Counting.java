package com.example.loomux.counting;

import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

/**
 * The wrappers: each passes the call on and counts it. The poll set hands the wrapped backend
 * its own handles, never ours.
 */
final class Counting {

    private Counting() {
    }

    static Handle unwrap(Handle h) {
        if (h instanceof Sock s) {
            return s.d;
        }
        if (h instanceof Lsn l) {
            return l.d;
        }
        throw new IllegalArgumentException("not a handle of the counting backend: " + h);
    }

    /** An open backend. */
    record Mux(Multiplexer d) implements Multiplexer {
        @Override
        public ListenerHandle listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options) throws IOException {
            return new Lsn(d.listen(local, backlog, options));
        }

        @Override
        public SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) throws IOException {
            return new Sock(d.connect(remote, options));
        }

        @Override
        public PollSet openPollSet() throws IOException {
            return new Polls(d.openPollSet());
        }

        @Override
        public void close() throws IOException {
            d.close();
        }
    }

    /** A poll set that counts polls, events and wake-ups. */
    record Polls(PollSet d) implements PollSet {
        @Override
        public Registration register(Handle handle, Object attachment) throws IOException {
            Registration r = d.register(unwrap(handle), attachment);
            return new Registration() {
                @Override
                public void arm(int interest) {
                    Counts.ARMS.increment();
                    r.arm(interest);
                }

                @Override
                public void cancel() {
                    r.cancel();
                }
            };
        }

        @Override
        public int poll(long timeoutMillis, EventSink sink) throws IOException {
            Counts.POLLS.increment();
            int n = d.poll(timeoutMillis, sink);
            Counts.EVENTS.add(n);
            return n;
        }

        @Override
        public void wakeup() {
            Counts.WAKEUPS.increment();
            d.wakeup();
        }

        @Override
        public void close() throws IOException {
            d.close();
        }
    }

    /** What both kinds of handle pass on. */
    abstract static class Base<H extends Handle> implements Handle {
        final H d;

        Base(H d) {
            this.d = d;
        }

        @Override
        public InetSocketAddress localAddress() throws IOException {
            return d.localAddress();
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) throws IOException {
            d.setOption(option, value);
        }

        @Override
        public <T> T getOption(SocketOption<T> option) throws IOException {
            return d.getOption(option);
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return d.supportedOptions();
        }

        @Override
        public void close() throws IOException {
            d.close();
        }
    }

    /** A listener that counts accepted connections. */
    static final class Lsn extends Base<ListenerHandle> implements ListenerHandle {
        Lsn(ListenerHandle d) {
            super(d);
        }

        @Override
        public SocketHandle accept() throws IOException {
            SocketHandle s = d.accept();
            if (s == null) {
                return null;
            }
            Counts.ACCEPTS.increment();
            return new Sock(s);
        }
    }

    /** A socket that counts reads, writes and "would block". */
    static final class Sock extends Base<SocketHandle> implements SocketHandle {
        Sock(SocketHandle d) {
            super(d);
        }

        @Override
        public boolean finishConnect() throws IOException {
            return d.finishConnect();
        }

        @Override
        public InetSocketAddress remoteAddress() throws IOException {
            return d.remoteAddress();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            Counts.READS.increment();
            int n = d.read(dst);
            if (n == 0) {
                Counts.WOULD_BLOCK.increment();
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            Counts.WRITES.increment();
            int n = d.write(src);
            if (n == 0) {
                Counts.WOULD_BLOCK.increment();
            }
            return n;
        }

        /**
         * Goes on while each call takes everything it was offered: a wrapped backend may cap a
         * gathering write (the JDK's takes at most {@code IOV_MAX} buffers), and the SPI says a
         * short write means a full send buffer.
         */
        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            Counts.WRITES.increment();
            long total = 0;
            // Each pass takes at least one byte or ends; bounded by the bytes offered.
            for (int i = 0; i < 1_000_000; i++) {
                long n = d.write(srcs, offset, length);
                total += n;
                if (n <= 0 || length == 0 || !srcs[offset + length - 1].hasRemaining()) {
                    break;
                }
            }
            if (total == 0) {
                Counts.WOULD_BLOCK.increment();
            }
            return total;
        }

        @Override
        public void shutdownOutput() throws IOException {
            d.shutdownOutput();
        }

        @Override
        public void shutdownInput() throws IOException {
            d.shutdownInput();
        }
    }
}
