package io.loomux.selector;

import io.loomux.spi.Events;
import io.loomux.spi.ListenerHandle;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.PollSet;
import io.loomux.spi.SocketHandle;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Run by {@link SelectorSocketsTest} in a JVM with few descriptors; prints OK or FAIL. */
public final class EmfileChild {

    public static void main(String[] args) throws Exception {
        try (Multiplexer mux = new SelectorMultiplexerProvider().open()) {
            ListenerHandle listener = mux.listen(new InetSocketAddress("127.0.0.1", 0), 0, Map.of());
            // Exercise the arm queue too, so that the parent can check nothing printed a
            // warning (jctools' Unsafe-based queues do, on JDK 24 and later).
            try (PollSet ps = mux.openPollSet()) {
                ps.register(listener, "listener").arm(Events.READABLE | Events.WRITABLE);
                ps.poll(0, (attachment, events) -> { });
            }
            SocketHandle client = mux.connect(listener.localAddress(), Map.of());
            List<SocketChannel> hog = new ArrayList<>();
            try {
                for (int i = 0; i < 10_000; i++) {
                    hog.add(SocketChannel.open());
                }
                System.out.println("FAIL: the descriptor limit was never reached");
                return;
            } catch (IOException expected) {
                // out of descriptors
            }
            try {
                SocketHandle s = null;
                for (int i = 0; i < 1000 && s == null; i++) {
                    s = listener.accept(); // the pending connect may still be on its way
                }
                System.out.println("FAIL: accept without descriptors returned " + s);
                return;
            } catch (SocketException e) {
                if (!e.getMessage().contains("Too many open files")) {
                    System.out.println("FAIL: message " + e.getMessage());
                    return;
                }
            } catch (IOException e) {
                System.out.println("FAIL: not a SocketException: " + e);
                return;
            }
            for (SocketChannel ch : hog) {
                ch.close();
            }
            SocketHandle accepted = null;
            for (int i = 0; i < 1_000_000 && accepted == null; i++) {
                accepted = listener.accept();
            }
            System.out.println(accepted != null ? "OK" : "FAIL: nothing accepted after descriptors were freed");
            if (accepted != null) {
                accepted.close();
            }
            client.close();
            listener.close();
        }
    }
}
