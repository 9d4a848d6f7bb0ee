package io.loomux.http.internal;

import io.loomux.Connection;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/** HTTP straight over the loomux connection. */
final class PlainTransport implements Transport {

    private final Connection connection;

    PlainTransport(Connection connection) {
        this.connection = connection;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return connection.read(dst);
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        connection.write(src);
    }

    @Override
    public void setReadTimeout(Duration timeout) {
        connection.setReadTimeout(timeout);
    }

    @Override
    public InetSocketAddress localAddress() {
        return connection.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public SSLSession session() {
        return null;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (IOException ignored) {
            // Closing releases the descriptor whatever the error; nothing more to do.
        }
    }
}
