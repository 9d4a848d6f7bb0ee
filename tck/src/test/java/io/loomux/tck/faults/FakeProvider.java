package io.loomux.tck.faults;

import io.loomux.spi.Availability;
import io.loomux.spi.Events;
import io.loomux.spi.Handle;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Registration;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An in-memory backend for the injector's own tests, single-threaded and without timing: a
 * socket always has data to read and room to write, so anything short or "would block" came
 * from the injector; a listener always has a connection pending; a poll reports what the test
 * raised (EDGE) or, ONE_SHOT, the armed interest (every socket is always ready).
 */
final class FakeProvider implements MultiplexerProvider {

    private final Triggering triggering;
    int accepts;
    int nextPort = 1000;
    /** The poll set opened last. */
    Polls pollSet;
    /** The timeout of every poll the injector made, in order. */
    final List<Long> timeouts = new ArrayList<>();

    FakeProvider(Triggering triggering) {
        this.triggering = triggering;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.ok();
    }

    @Override
    public Triggering triggering() {
        return triggering;
    }

    @Override
    public Multiplexer open() {
        return new Multiplexer() {
            @Override
            public ListenerHandle listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options) {
                return new Listener();
            }

            @Override
            public SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) {
                return new Socket();
            }

            @Override
            public PollSet openPollSet() {
                pollSet = new Polls();
                return pollSet;
            }

            @Override
            public void close() {
            }
        };
    }

    abstract class FakeHandle implements Handle {
        final InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), nextPort++);
        final Map<SocketOption<?>, Object> options = new HashMap<>();
        boolean closed;

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) {
            options.put(option, value);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getOption(SocketOption<T> option) {
            return (T) options.get(option);
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return options.keySet();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    final class Listener extends FakeHandle implements ListenerHandle {
        @Override
        public SocketHandle accept() {
            accepts++;
            return new Socket();
        }
    }

    final class Socket extends FakeHandle implements SocketHandle {
        final InetSocketAddress remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), nextPort++);

        @Override
        public boolean finishConnect() {
            return true;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = dst.remaining();
            dst.position(dst.limit());
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public void shutdownInput() {
        }
    }

    /** Registrations in the order they were made. */
    final class Polls implements PollSet {
        final List<Reg> regs = new ArrayList<>();

        @Override
        public Registration register(Handle handle, Object attachment) {
            Reg r = new Reg(attachment);
            regs.add(r);
            return r;
        }

        @Override
        public int poll(long timeoutMillis, EventSink sink) {
            timeouts.add(timeoutMillis);
            int n = 0;
            for (Reg r : regs) {
                int bits = triggering == Triggering.EDGE ? r.raised : r.armed;
                r.raised = 0;
                r.armed = 0;
                if (bits != 0 && !r.cancelled) {
                    sink.event(r.attachment, bits);
                    n++;
                }
            }
            return n;
        }

        @Override
        public void wakeup() {
        }

        @Override
        public void close() {
        }
    }

    static final class Reg implements Registration {
        final Object attachment;
        int raised;
        int armed;
        boolean cancelled;

        Reg(Object attachment) {
            this.attachment = attachment;
        }

        @Override
        public void arm(int interest) {
            armed |= interest & (Events.READABLE | Events.WRITABLE);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** EDGE: the next poll reports {@code bits} for the registration made with {@code attachment}. */
    void raise(Object attachment, int bits) {
        for (Reg r : pollSet.regs) {
            Object a = r.attachment instanceof InjectedRegistration ir ? ir.attachment : r.attachment;
            if (a.equals(attachment)) {
                r.raised |= bits;
            }
        }
    }
}
