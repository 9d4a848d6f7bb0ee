package io.loomux.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The baseline: an echo server on the JDK's own {@link ServerSocket} with one virtual thread per
 * connection, written the way a user would write it, with TCP_NODELAY as loomux's server sets it.
 *
 * <p>Usage: {@code JdkEchoServer [port]} (default 7008), binds 127.0.0.1, runs until killed.
 */
public final class JdkEchoServer {

    private JdkEchoServer() {
    }

    /**
     * @param args optional port
     * @throws IOException if binding fails
     */
    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7008;
        try (ServerSocket ss = new ServerSocket()) {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress("127.0.0.1", port), 1024);
            System.out.println("jdk echo server on " + ss.getLocalSocketAddress() + " (ServerSocket + virtual threads)");
            for (;;) {
                Socket s = ss.accept();
                Thread.ofVirtual().start(() -> echo(s));
            }
        }
    }

    private static void echo(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            // The same buffer policy as loomux's echo handler, so that memory per connection
            // compares the runtimes, not the handlers: 1 KiB, doubled (up to 8 KiB) whenever a
            // read fills it.
            byte[] buf = new byte[1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                if (n == buf.length && buf.length < 8192) {
                    buf = new byte[buf.length * 2];
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
