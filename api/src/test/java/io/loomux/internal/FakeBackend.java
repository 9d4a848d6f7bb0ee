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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory backend that the tests steer: sockets hold byte queues, and readiness is raised
 * by the test (or by feeding data), as an edge-triggered or one-shot backend would raise it.
 *
 * <p>It also checks the blocking layer's side of the SPI: a handle is closed once, and no call
 * names it (an I/O call, an address, an option, {@code register}, {@code arm}, {@code cancel})
 * once {@link Handle#close()} has begun, since with a real backend its descriptor number may by
 * then belong to another socket. Such a call throws an {@link AssertionError}, recorded in
 * {@link #misuse} as well, so that a test fails even where the layer swallows the error.
 */
final class FakeBackend implements MultiplexerProvider {

    final Triggering triggering;
    final FakePollSet pollSet = new FakePollSet();
    volatile FakeSocket lastConnected;
    final LinkedBlockingQueue<FakeSocket> pendingAccepts = new LinkedBlockingQueue<>();
    /** Every call made on a closed handle, and every second close. */
    final List<Throwable> misuse = new CopyOnWriteArrayList<>();
    /** While true, every handle's address calls fail, as on a socket the peer has already reset. */
    volatile boolean addressesFail;

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
        /** Registrations not cancelled: each holds a slot a real poll set would leak. */
        final Set<FakeHandle> registered = ConcurrentHashMap.newKeySet();
        /** Runs inside register, before it touches the handle (a registration in progress). */
        volatile Runnable duringRegister;
        /**
         * Sockets every poll reports readable, however often it is called, as under a load that
         * never lets up (a readiness the socket does not have is a spurious event, which the
         * contract allows). Each poll reports each of them once, and nothing queued.
         */
        volatile List<FakeHandle> alwaysReadable = List.of();
        /** Polls made by a virtual thread: the carrier-side poller's. */
        final AtomicInteger carrierPolls = new AtomicInteger();

        void raise(FakeHandle h, int events) {
            queue.add(new Object[]{h, events});
        }

        @Override
        public Registration register(Handle handle, Object attachment) {
            FakeHandle h = (FakeHandle) handle;
            Runnable during = duringRegister;
            if (during != null) {
                during.run();
            }
            h.use("PollSet.register");
            h.attachment = attachment;
            registered.add(h);
            return h;
        }

        @Override
        public int poll(long timeoutMillis, EventSink sink) throws IOException {
            if (Thread.currentThread().isVirtual()) {
                carrierPolls.incrementAndGet();
            }
            List<FakeHandle> busy = alwaysReadable;
            if (!busy.isEmpty()) {
                int reported = 0;
                for (FakeHandle h : busy) {
                    if (!h.cancelled) {
                        sink.event(h.attachment, Events.READABLE);
                        reported++;
                    }
                }
                delivered.addAndGet(reported);
                return reported;
            }
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
        /** Set when close begins: from then on the descriptor number is not this handle's. */
        volatile boolean closed;
        /** Runs inside arm, before it touches the handle (an arm in progress). */
        volatile Runnable duringArm;

        /** Records and throws if the handle is closed. */
        void use(String call) {
            if (closed) {
                AssertionError e = new AssertionError(call + " on a closed handle: its descriptor number may"
                        + " belong to another socket by now");
                misuse.add(e);
                throw e;
            }
        }

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
            Runnable during = duringArm;
            if (during != null) {
                during.run();
            }
            use("Registration.arm");
            armed.getAndUpdate(a -> a | interest);
            // one-shot arming checks the level, as EPOLLONESHOT re-arm and select do
            int level = levelNow() & interest;
            if (level != 0) {
                ready(level);
            }
        }

        @Override
        public void cancel() {
            use("Registration.cancel");
            cancelled = true;
            pollSet.registered.remove(this);
        }

        @Override
        public InetSocketAddress localAddress() throws IOException {
            use("localAddress");
            if (addressesFail) {
                throw new java.net.SocketException("Transport endpoint is not connected");
            }
            return new InetSocketAddress("127.0.0.1", 1);
        }

        @Override
        public <T> void setOption(SocketOption<T> option, T value) {
            use("setOption");
            throw new UnsupportedOperationException(option.name());
        }

        @Override
        public <T> T getOption(SocketOption<T> option) {
            use("getOption");
            throw new UnsupportedOperationException(option.name());
        }

        @Override
        public Set<SocketOption<?>> supportedOptions() {
            return Set.of();
        }

        @Override
        public void close() {
            closeCalls.incrementAndGet();
            use("Handle.close (a second time)");
            closed = true;
        }
    }

    final class FakeListener extends FakeHandle implements ListenerHandle {
        @Override
        public SocketHandle accept() {
            use("accept");
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
            use("finishConnect");
            return connected;
        }

        @Override
        public InetSocketAddress remoteAddress() throws IOException {
            use("remoteAddress");
            if (addressesFail) {
                throw new java.net.SocketException("Transport endpoint is not connected");
            }
            return new InetSocketAddress("127.0.0.1", 2);
        }

        @Override
        public int read(ByteBuffer dst) {
            readCalls.incrementAndGet();
            use("read");
            Runnable during = duringRead;
            if (during != null) {
                during.run();
            }
            use("read (still in progress)");
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
            use("write");
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
            use("shutdownOutput");
        }

        @Override
        public void shutdownInput() {
            use("shutdownInput");
        }
    }
}
