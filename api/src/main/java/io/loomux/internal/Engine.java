package io.loomux.internal;

import io.loomux.BackendInfo;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.RuntimeStats;
import io.loomux.spi.MultiplexerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.time.Duration;
import java.util.Map;

/** STUB: being written; replaced by the blocking layer. */
public final class Engine {
    private Engine() {
    }

    public static Engine open(MultiplexerProvider provider, int pollers) throws IOException {
        throw new UnsupportedOperationException("not yet");
    }

    public BackendInfo backend() {
        throw new UnsupportedOperationException();
    }

    public int pollerCount() {
        throw new UnsupportedOperationException();
    }

    public Listener listen(InetSocketAddress local, int backlog, Map<SocketOption<?>, ?> options) throws IOException {
        throw new UnsupportedOperationException();
    }

    public Connection connect(InetSocketAddress remote, Duration timeout, Map<SocketOption<?>, ?> options) throws IOException {
        throw new UnsupportedOperationException();
    }

    public RuntimeStats stats() {
        throw new UnsupportedOperationException();
    }

    public void close() throws IOException {
    }
}
