package io.loomux.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Loopback clients on plain JDK sockets, every wait bounded by a socket timeout. */
final class TestSupport {

    /** Bounds every blocking client read. */
    static final int SO_TIMEOUT_MS = 5_000;

    /** Echoes until end of stream. */
    static final ConnectionHandler ECHO = c -> {
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (c.read(b) >= 0) {
            b.flip();
            c.write(b);
            b.clear();
        }
    };

    private TestSupport() {
    }

    static Socket connect(InetSocketAddress a) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(a, SO_TIMEOUT_MS);
            s.setSoTimeout(SO_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static void send(Socket s, String msg) throws IOException {
        s.getOutputStream().write(msg.getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
    }

    /** Reads exactly {@code n} bytes, or fewer at end of stream. */
    static String receive(Socket s, int n) throws IOException {
        return new String(s.getInputStream().readNBytes(n), StandardCharsets.UTF_8);
    }

    static String echo(Socket s, String msg) throws IOException {
        send(s, msg);
        return receive(s, msg.getBytes(StandardCharsets.UTF_8).length);
    }

    /** @return true if the server closed the connection: end of stream, or a reset */
    static boolean closedByServer(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            return in.read() == -1;
        } catch (java.net.SocketException e) {
            return true; // reset: closed as well
        }
    }
}
