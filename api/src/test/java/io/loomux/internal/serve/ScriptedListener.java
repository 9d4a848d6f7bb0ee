package io.loomux.internal.serve;

import io.loomux.Connection;
import io.loomux.Listener;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listener that plays a script: each accept takes the next entry, waiting for one, and
 * returns it (a connection) or throws it (a failure), as a real listener would.
 */
final class ScriptedListener implements Listener {

    private static final Object CLOSED = new Object();

    final BlockingQueue<Object> script = new LinkedBlockingQueue<>();
    final AtomicInteger accepts = new AtomicInteger();
    private final AtomicBoolean open = new AtomicBoolean(true);

    /** Adds {@code n} times what {@code t} is to the script. */
    ScriptedListener fail(int n, java.util.function.Supplier<? extends Throwable> t) {
        for (int i = 0; i < n; i++) {
            script.add(t.get());
        }
        return this;
    }

    /** Adds a connection to the script, and returns it. */
    Connection connect(String name) {
        Connection c = fakeConnection(name);
        script.add(c);
        return c;
    }

    static Connection fakeConnection(String name) {
        AtomicBoolean connOpen = new AtomicBoolean(true);
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "close" -> {
                        connOpen.set(false);
                        yield null;
                    }
                    case "isOpen" -> connOpen.get();
                    case "toString" -> name;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Override
    public Connection accept() throws IOException {
        if (!open.get()) {
            throw new ClosedChannelException();
        }
        accepts.incrementAndGet();
        Object next;
        try {
            next = script.take();
        } catch (InterruptedException e) {
            close();
            throw new ClosedByInterruptException();
        }
        if (next == CLOSED) {
            script.add(CLOSED); // for any other waiter
            throw new AsynchronousCloseException();
        }
        if (next instanceof IOException e) {
            throw e;
        }
        if (next instanceof RuntimeException e) {
            throw e;
        }
        if (next instanceof Error e) {
            throw e;
        }
        return (Connection) next;
    }

    @Override
    public Connection accept(Duration timeout) {
        throw new UnsupportedOperationException();
    }

    @Override
    public InetSocketAddress localAddress() {
        return new InetSocketAddress("127.0.0.1", 9);
    }

    @Override
    public boolean isOpen() {
        return open.get();
    }

    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            script.add(CLOSED);
        }
    }
}
