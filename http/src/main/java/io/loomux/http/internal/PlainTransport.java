package io.loomux.http.internal;

import io.loomux.Connection;

import javax.net.ssl.SSLSession;
import java.io.IOException;
import java.nio.ByteBuffer;

/** HTTP straight over the loomux connection. */
final class PlainTransport extends Transport {

    PlainTransport(Connection connection) {
        super(connection);
    }

    @Override
    int read(ByteBuffer dst) throws IOException {
        return connection.read(dst);
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        connection.write(src);
    }

    @Override
    public void write(ByteBuffer[] srcs) throws IOException {
        connection.write(srcs);
    }

    @Override
    public SSLSession session() {
        return null;
    }
}
