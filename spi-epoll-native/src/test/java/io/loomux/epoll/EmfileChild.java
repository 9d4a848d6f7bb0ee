package io.loomux.epoll;

import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link EmfileTest} in a JVM whose descriptor limit is low: a pending connection, no
 * descriptors left, accept must throw "Too many open files"; after freeing some, the same
 * listener accepts the same pending connection. Prints lines starting OK or FAIL.
 */
public final class EmfileChild {

    /**
     * @param args unused
     * @throws Exception on an unexpected failure (the parent sees the stack trace)
     */
    public static void main(String[] args) throws Exception {
        try (Multiplexer mux = new EpollMultiplexerProvider().open()) {
            ListenerHandle listener = mux.listen(new InetSocketAddress("127.0.0.1", 0), 0, Map.of());
            // Load every class the accept path needs while descriptors remain: loading one later
            // would itself need a descriptor.
            if (listener.accept() != null) {
                System.out.println("FAIL: a connection before any connect");
                return;
            }
            Errors.exception("warm-up", -Sys.EMFILE);
            Socket client = new Socket();
            client.connect(listener.localAddress()); // queued in the backlog, not yet accepted
            List<SocketChannel> hog = new ArrayList<>();
            try {
                for (int i = 0; i < 100_000; i++) {
                    hog.add(SocketChannel.open());
                }
                System.out.println("FAIL: the descriptor limit was never reached");
                return;
            } catch (IOException expected) {
                // out of descriptors
            }
            try {
                SocketHandle s = listener.accept();
                System.out.println("FAIL: accept without descriptors returned " + s);
                return;
            } catch (SocketException e) {
                System.out.println((e.getMessage().startsWith("Too many open files") ? "OK emfile: " : "FAIL message: ")
                        + e.getMessage());
            }
            for (SocketChannel ch : hog) {
                ch.close();
            }
            SocketHandle accepted = listener.accept();
            System.out.println(accepted != null ? "OK accepted after descriptors were freed: " + accepted.remoteAddress()
                    : "FAIL: nothing accepted after descriptors were freed");
            if (accepted != null) {
                accepted.close();
            }
            client.close();
            listener.close();
        }
    }
}
