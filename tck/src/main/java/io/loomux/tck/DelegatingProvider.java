package io.loomux.tck;

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
import java.util.Objects;
import java.util.Set;

/**
 * A provider that passes every call to another one, with each piece of the SPI overridable: the
 * base for a provider that changes one behaviour of a correct backend, such as the kit's fault
 * injector ({@code io.loomux.tck.faults.FaultInjectingProvider}) or a deliberately broken backend
 * that proves a rule catches its fault.
 *
 * <p>Every object the delegate returns is wrapped through a {@code wrap...} hook, so a subclass
 * overrides the hook of the piece it changes and subclasses that piece's delegating class.
 * {@link DelegatingPollSet#register} hands the delegate the handle it wrapped
 * ({@link #unwrap(Handle)}), since a backend recognises only its own handles.
 */
public class DelegatingProvider implements MultiplexerProvider {

    /** The provider every call goes to. */
    protected final MultiplexerProvider delegate;

    /**
     * @param delegate the provider every call goes to
     */
    public DelegatingProvider(MultiplexerProvider delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return the delegate's name */
    @Override
    public String name() {
        return delegate.name();
    }

    /** @return the delegate's priority */
    @Override
    public int priority() {
        return delegate.priority();
    }

    /** @return the delegate's availability */
    @Override
    public Availability availability() {
        return delegate.availability();
    }

    /** @return the delegate's triggering */
    @Override
    public Triggering triggering() {
        return delegate.triggering();
    }

    /** Opens the delegate and wraps it with {@link #wrapMultiplexer}. */
    @Override
    public Multiplexer open() throws IOException {
        return wrapMultiplexer(delegate.open());
    }

    /**
     * @param m the delegate's open backend
     * @return what {@link #open()} returns; by default a {@link DelegatingMultiplexer}
     */
    protected Multiplexer wrapMultiplexer(Multiplexer m) {
        return new DelegatingMultiplexer(m);
    }

    /**
     * @param ps a poll set the delegate opened
     * @return what {@link Multiplexer#openPollSet()} returns; by default a {@link DelegatingPollSet}
     */
    protected PollSet wrapPollSet(PollSet ps) {
        return new DelegatingPollSet(ps);
    }

    /**
     * @param h a socket the delegate connected or accepted
     * @return what {@code connect} and {@code accept} return; by default a {@link DelegatingSocket}
     */
    protected SocketHandle wrapSocket(SocketHandle h) {
        return new DelegatingSocket(h);
    }

    /**
     * @param h a listener the delegate opened
     * @return what {@code listen} returns; by default a {@link DelegatingListener}
     */
    protected ListenerHandle wrapListener(ListenerHandle h) {
        return new DelegatingListener(h);
    }

    /**
     * @param r a registration the delegate made
     * @return what {@link PollSet#register} returns; by default {@code r} itself
     */
    protected Registration wrapRegistration(Registration r) {
        return r;
    }

    /**
     * @param h a handle, wrapped or not
     * @return the delegate's handle inside a {@link DelegatingHandle}, or {@code h} itself
     */
    public static Handle unwrap(Handle h) {
        return h instanceof DelegatingHandle<?> w ? w.d : h;
    }

    /** An open backend that wraps what the delegate's opens. */
    public class DelegatingMultiplexer implements Multiplexer {
        /** The delegate's open backend. */
        protected final Multiplexer d;

        /**
         * @param d the delegate's open backend
         */
        protected DelegatingMultiplexer(Multiplexer d) {
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

    /** A poll set that registers the delegate's handles and passes the rest on. */
    public class DelegatingPollSet implements PollSet {
        /** The delegate's poll set. */
        protected final PollSet d;

        /**
         * @param d the delegate's poll set
         */
        protected DelegatingPollSet(PollSet d) {
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

    /**
     * What listeners and sockets share: the delegate's handle, options and addresses.
     *
     * @param <H> the delegate handle's type
     */
    public abstract static class DelegatingHandle<H extends Handle> implements Handle {
        /** The delegate's handle. */
        protected final H d;

        /**
         * @param d the delegate's handle
         */
        protected DelegatingHandle(H d) {
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

    /** A listener whose accepted sockets go through {@link #wrapSocket}. */
    public class DelegatingListener extends DelegatingHandle<ListenerHandle> implements ListenerHandle {
        /**
         * @param d the delegate's listener
         */
        protected DelegatingListener(ListenerHandle d) {
            super(d);
        }

        @Override
        public SocketHandle accept() throws IOException {
            SocketHandle s = d.accept();
            return s == null ? null : wrapSocket(s);
        }
    }

    /** A socket that passes every call on. */
    public static class DelegatingSocket extends DelegatingHandle<SocketHandle> implements SocketHandle {
        /**
         * @param d the delegate's socket
         */
        protected DelegatingSocket(SocketHandle d) {
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
            return d.write(srcs, offset, length);
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
