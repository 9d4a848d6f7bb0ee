package io.loomux.internal;

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

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory backend that the tests steer: sockets hold byte queues, and readiness is raised
 * by the test (or by feeding data), as an edge-triggered or one-shot backend would raise it.
 */
final class FakeBackend implements MultiplexerProvider {

    final Triggering triggering;
    final FakePollSet pollSet = new FakePollSet();
    volatile FakeSocket lastConnected;
    final LinkedBlockingQueue<FakeSocket> pendingAccepts = new LinkedBlockingQueue<>();

    FakeBackend(Triggering triggering) {
        this.triggering = triggering;
    }

    @Override
    public String name() {
        return "fake-" + triggering.name().toLowerCase();
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
                return new FakeListener();
            }

            @Override
            public SocketHandle connect(InetSocketAddress remote, Map<SocketOption<?>, ?> options) {
                FakeSocket s = new FakeSocket();
                lastConnected = s;
                return s;
            }

            @Override
            public PollSet openPollSet() {
                return pollSet;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Events the test raises; poll hands them to the poller thread. */
    final class FakePollSet implements PollSet {
        private final LinkedBlockingQueue<Object[]> queue = new LinkedBlockingQueue<>();
        final AtomicInteger delivered = new AtomicInteger();

        void raise(FakeHandle h, int events) {
            queue.add(new Object[]{h, events});
        }

        @Override
        public Registration register(Handle handle, Object attachment) {
            FakeHandle h = (FakeHandle) handle;
            h.attachment = attachment;
            return h;
        }

        @Override
        public int poll(long timeoutMillis, EventSink sink) throws IOException {
            Object[] e;
            try {
                e = timeoutMillis < 0 ? queue.take() : queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ex) {
                throw new IOException(ex);
            }
            if (e == null || e[0] == null) {
                return 0;
            }
            FakeHandle h = (FakeHandle) e[0];
            if (h.cancelled) {
                return 0;
            }
            sink.event(h.attachment, (Integer) e[1]);
            delivered.incrementAndGet();
            return 1;
        }

        @Override
        public void wakeup() {
            queue.add(new Object[]{null, 0});
        }

        @Override
        public void close() {
        }
    }

    abstract class FakeHandle implements Handle, Registration {
        volatile Object attachment;
        volatile boolean cancelled;
        final AtomicInteger armed = new AtomicInteger();
        final AtomicInteger armCalls = new AtomicInteger();
        final AtomicInteger closeCalls = new AtomicInteger();

        /** Raises readiness as the backend's triggering mode would. */
        void ready(int events) {
            if (triggering == Triggering.EDGE) {
                pollSet.raise(this, events);
            } else {
                int fire = armed.getAndUpdate(a -> a & ~events) & events;
                if (fire != 0) {
                    pollSet.raise(this, fire);
                }
            }
        }

        abstract int levelNow();

        @Override
        public void arm(int interest) {
            armCalls.incrementAndGet();
            armed.getAndUpdate(a -> a | interest);
            // one-shot arming checks the level, as EPOLLONESHOT re-arm and select do
            int level = levelNow() & interest;
            if (level != 0) {
                ready(level);
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) {
            throw new UnsupportedOperationException(option.name());
        }

        @Override
        public <T> T getOption(SocketOption<T> option) {
            throw new UnsupportedOperationException(option.name());
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public void close() {
            closeCalls.incrementAndGet();
        }
    }

    final class FakeListener extends FakeHandle implements ListenerHandle {
        @Override
        public SocketHandle accept() {
            return pendingAccepts.poll();
        }

        @Override
        int levelNow() {
            return pendingAccepts.isEmpty() ? 0 : Events.READABLE;
        }

        void offer(FakeSocket s) {
            pendingAccepts.add(s);
            ready(Events.READABLE);
        }
    }

    final class FakeSocket extends FakeHandle implements SocketHandle {
        private final ReentrantLock lock = new ReentrantLock();
        private final ArrayDeque<Byte> in = new ArrayDeque<>();
        private boolean eof;
        /** How many more bytes a write may take before "would block"; negative = unlimited. */
        volatile int writeRoom = -1;
        final AtomicInteger readCalls = new AtomicInteger();
        final AtomicInteger writeCalls = new AtomicInteger();
        final java.io.ByteArrayOutputStream written = new java.io.ByteArrayOutputStream();
        volatile boolean connected = true;
        /** Runs inside read() when it is about to answer "would block" (the race window). */
        volatile Runnable onWouldBlock;
        /** Runs inside read() before it returns (a backend call in progress). */
        volatile Runnable duringRead;

        void feed(byte[] bytes) {
            feedSilently(bytes);
            ready(Events.READABLE);
        }

        /** Data without an event: the test raises the event itself. */
        void feedSilently(byte[] bytes) {
            lock.lock();
            try {
                for (byte b : bytes) {
                    in.add(b);
                }
            } finally {
                lock.unlock();
            }
        }

        void eofSilently() {
            lock.lock();
            try {
                eof = true;
            } finally {
                lock.unlock();
            }
        }

        void feedEof() {
            eofSilently();
            ready(Events.READABLE | Events.HANGUP);
        }

        void makeRoom(int bytes) {
            writeRoom = bytes;
            ready(Events.WRITABLE);
        }

        @Override
        int levelNow() {
            lock.lock();
            try {
                return (in.isEmpty() && !eof ? 0 : Events.READABLE) | (writeRoom != 0 ? Events.WRITABLE : 0);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean finishConnect() {
            return connected;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return new InetSocketAddress("127.0.0.1", 2);
        }

        @Override
        public int read(ByteBuffer dst) {
            readCalls.incrementAndGet();
            Runnable during = duringRead;
            if (during != null) {
                during.run();
            }
            lock.lock();
            int n = 0;
            boolean atEof;
            try {
                while (dst.hasRemaining() && !in.isEmpty()) {
                    dst.put(in.poll());
                    n++;
                }
                atEof = eof && in.isEmpty();
            } finally {
                lock.unlock();
            }
            if (n == 0 && atEof) {
                return -1;
            }
            if (n == 0) {
                Runnable r = onWouldBlock;
                if (r != null) {
                    onWouldBlock = null;
                    r.run();
                }
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            writeCalls.incrementAndGet();
            int room = writeRoom;
            int n = room < 0 ? src.remaining() : Math.min(room, src.remaining());
            byte[] b = new byte[n];
            src.get(b);
            written.writeBytes(b);
            if (room >= 0) {
                writeRoom = room - n;
            }
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            long total = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = write(srcs[i]);
                total += n;
                if (srcs[i].hasRemaining()) {
                    break;
                }
            }
            return total;
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public void shutdownInput() {
        }
    }
}
