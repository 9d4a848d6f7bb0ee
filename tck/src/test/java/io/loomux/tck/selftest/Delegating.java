package io.loomux.tck.selftest;

import io.loomux.spi.Availability;
import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

/**
 * A provider that passes every call to a correct one (the Selector backend), with each piece
 * overridable, so that a broken provider is a correct one with one fault put in.
 *
 * <p>One call is mended rather than passed on: the JDK's gathering write takes at most
 * {@code IOV_MAX} (1024) buffers per call and the Selector backend returns after one call, so a
 * write of more buffers comes back short with room left in the send buffer, which the kit's
 * {@code required_shortWriteMeansTheSendBufferIsFull} catches in the backend itself. Here it goes
 * on writing until a call takes nothing or everything is written, so that each broken provider
 * has exactly the fault it is named after.
 */
class Delegating implements MultiplexerProvider {

    final MultiplexerProvider delegate;

    Delegating(MultiplexerProvider delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return "broken-" + delegate.name();
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return delegate.availability();
    }

    @Override
    public Triggering triggering() {
        return delegate.triggering();
    }

    @Override
    public Multiplexer open() throws IOException {
        return new Mux(delegate.open());
    }

    PollSet wrapPollSet(PollSet ps) {
        return new Polls(ps);
    }

    SocketHandle wrapSocket(SocketHandle h) {
        return new Sock(h);
    }

    ListenerHandle wrapListener(ListenerHandle h) {
        return new Lsn(h);
    }

    Registration wrapRegistration(Registration r) {
        return r;
    }

    static Handle unwrap(Handle h) {
        if (h instanceof Sock s) {
            return s.d;
        }
        if (h instanceof Lsn l) {
            return l.d;
        }
        return h;
    }

    class Mux implements Multiplexer {
        final Multiplexer d;

        Mux(Multiplexer d) {
            this.d = d;
        }

        @Override
        public ListenerHandle listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options) throws IOException {
            return wrapListener(d.listen(local, backlog, options));
        }

        @Override
        public SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) throws IOException {
            return wrapSocket(d.connect(remote, options));
        }

        @Override
        public PollSet openPollSet() throws IOException {
            return wrapPollSet(d.openPollSet());
        }

        @Override
        public void close() throws IOException {
            d.close();
        }
    }

    class Polls implements PollSet {
        final PollSet d;

        Polls(PollSet d) {
            this.d = d;
        }

        @Override
        public Registration register(Handle handle, Object attachment) throws IOException {
            return wrapRegistration(d.register(unwrap(handle), attachment));
        }

        @Override
        public int poll(long timeoutMillis, EventSink sink) throws IOException {
            return d.poll(timeoutMillis, sink);
        }

        @Override
        public void wakeup() {
            d.wakeup();
        }

        @Override
        public void close() throws IOException {
            d.close();
        }
    }

    abstract static class Hnd<H extends Handle> implements Handle {
        final H d;

        Hnd(H d) {
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

    class Lsn extends Hnd<ListenerHandle> implements ListenerHandle {
        Lsn(ListenerHandle d) {
            super(d);
        }

        @Override
        public SocketHandle accept() throws IOException {
            SocketHandle s = d.accept();
            return s == null ? null : wrapSocket(s);
        }
    }

    static class Sock extends Hnd<SocketHandle> implements SocketHandle {
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
            return d.read(dst);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return d.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            // Each pass takes at least one byte or ends; bounded by the bytes offered.
            for (int i = 0; i < 1_000_000; i++) {
                long n = d.write(srcs, offset, length);
                total += n;
                if (n <= 0 || length == 0 || !srcs[offset + length - 1].hasRemaining()) {
                    return total;
                }
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
