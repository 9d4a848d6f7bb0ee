package io.loomux.internal;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A blocking listener. Accept always tries the backend first: unlike a short read, one accepted
 * connection says nothing about whether more are pending (edge-triggered rule: accept until
 * "would block", then wait).
 */
final class ListenerImpl extends SocketCore implements Listener {

    private final ListenerHandle listener;
    private final InetSocketAddress local;

    ListenerImpl(Engine engine, ListenerHandle listener) throws IOException {
        super(engine, listener);
        this.listener = listener;
        this.local = listener.localAddress();
    }

    @Override
    public Connection accept() throws IOException {
        return accept(Duration.ZERO);
    }

    @Override
    public Connection accept(Duration timeout) throws IOException {
        readLock.lock();
        try {
            beginBlocking();
            long deadline = deadline(nanos(timeout));
            // Each pass accepts once or waits once; waits end by event, deadline, close, interrupt.
            for (;;) {
                readReady.consume();
                enter();
                SocketHandle h;
                try {
                    h = listener.accept();
                } finally {
                    exit();
                }
                if (h != null) {
                    return engine.adopt(h);
                }
                await(readReady, Events.READABLE, deadline, "Accept");
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return local;
    }

    @Override
    public void close() {
        closeCore();
    }

    @Override
    public String toString() {
        return "Listener[" + local + (isOpen() ? "" : ", closed") + "]";
    }
}
