package io.loomux.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/** A server on the loopback for the loads' tests: each accepted connection served on a virtual thread of its own. */
final class LoopbackServer implements AutoCloseable {

    private final ServerSocket socket;

    private LoopbackServer(ServerSocket socket) {
        this.socket = socket;
    }

    /**
     * Starts accepting; {@code serve} gets each connection and closes it when done.
     *
     * @return the server, whose {@link #port()} the load connects to
     */
    static LoopbackServer start(Consumer<Socket> serve) throws IOException {
        ServerSocket socket = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Socket s = socket.accept();
                    Thread.ofVirtual().start(() -> serve.accept(s));
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        return new LoopbackServer(socket);
    }

    /** The port it listens on. */
    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
