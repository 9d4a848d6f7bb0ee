package io.loomux.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds idle connections open, to measure what an idle connection costs a server.
 *
 * <p>Usage: {@code IdleClients [--http|--ws] host port connections [seconds]}. Opens
 * {@code connections} connections (at most 256 connects in flight); on each it sends a 16-byte
 * message and reads and checks its echo (with {@code --http}: a keep-alive {@code GET /} and its
 * hello answer, {@link HelloResponse}; with {@code --ws}: the WebSocket handshake on {@code /},
 * checked as {@link WsHandshake} does, and the echo of one 16-byte binary message, which must
 * come back as one unmasked binary frame), so the server has really accepted and served every
 * one, and holds it as an idle keep-alive connection (or open WebSocket). Then prints
 * {@code idle N} and holds them all, idle, until standard input closes or {@code seconds} (default
 * 3600) pass, whichever comes first, and exits 0. When standard input is {@code /dev/null} (as
 * for a background job of a script), only the duration counts. Exits 1 with a one-line reason if
 * not every connection could be opened and echoed within 120 s, 2 on bad arguments.
 *
 * <p>A script measures, say, the server's RSS before and after {@code idle N} appears, and ends
 * the hold by closing the pipe into this program's standard input (or by killing it).
 */
public final class IdleClients {

    private static final byte[] HELLO = "idle-client-ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private IdleClients() {
    }

    /**
     * @param args [--http|--ws] host port connections [seconds]
     * @throws Exception if interrupted
     */
    public static void main(String[] args) throws Exception {
        boolean http = args.length > 0 && args[0].equals("--http");
        boolean ws = args.length > 0 && args[0].equals("--ws");
        if (http || ws) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: IdleClients [--http|--ws] host port connections [seconds=3600]");
            System.exit(2);
        }
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = Integer.parseInt(args[2]);
        long seconds = args.length > 3 ? Long.parseLong(args[3]) : 3600;

        ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
        Semaphore connecting = new Semaphore(256);
        CountDownLatch ready = new CountDownLatch(connections);
        AtomicReference<String> failure = new AtomicReference<>();
        for (int i = 0; i < connections; i++) {
            Thread.ofVirtual().start(() -> {
                Socket s = new Socket();
                open.add(s);
                try {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(30_000);
                    connecting.acquire();
                    try {
                        s.connect(target, 30_000);
                        if (http) {
                            request(s);
                        } else if (ws) {
                            WsHandshake.open(s, "/");
                            wsEcho(s);
                        } else {
                            echo(s);
                        }
                    } finally {
                        connecting.release();
                    }
                } catch (IOException | InterruptedException e) {
                    failure.compareAndSet(null, e.toString());
                }
                ready.countDown();
            });
        }
        boolean all = ready.await(120, TimeUnit.SECONDS);
        if (!all || failure.get() != null) {
            System.err.println("IdleClients: could not open and echo all " + connections + " connections: "
                    + (failure.get() != null ? failure.get() : "not done in 120 s"));
            closeAll(open);
            System.exit(1);
        }
        System.out.println("idle " + connections);
        System.out.flush();

        CountDownLatch end = new CountDownLatch(1);
        if (!stdinIsDevNull()) {
            Thread watcher = new Thread(() -> {
                try {
                    InputStream in = System.in;
                    byte[] b = new byte[256];
                    while (in.read(b) >= 0) {
                        // discard; the end of input is what matters
                    }
                } catch (IOException e) {
                    // treat as closed
                }
                end.countDown();
            }, "stdin-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }
        end.await(seconds, TimeUnit.SECONDS);
        closeAll(open);
        System.exit(0);
    }

    private static void echo(Socket s) throws IOException {
        s.getOutputStream().write(HELLO);
        byte[] in = s.getInputStream().readNBytes(HELLO.length);
        if (!Arrays.equals(in, HELLO)) {
            throw new IOException("bad echo (" + in.length + " bytes)");
        }
    }

    /** One binary message and its echo, which an echo server sends back as one unmasked frame. */
    private static void wsEcho(Socket s) throws IOException {
        s.getOutputStream().write(WsFrames.clientFrame(WsFrames.BINARY, HELLO, ThreadLocalRandom.current().nextInt()));
        byte[] expected = new byte[2 + HELLO.length];
        expected[0] = (byte) (WsFrames.FIN | WsFrames.BINARY);
        expected[1] = (byte) HELLO.length;
        System.arraycopy(HELLO, 0, expected, 2, HELLO.length);
        byte[] in = s.getInputStream().readNBytes(expected.length);
        if (!Arrays.equals(in, expected)) {
            throw new IOException("bad WebSocket echo (" + in.length + " bytes: " + HexFormat.of().formatHex(in) + ")");
        }
    }

    /** One request and its whole answer, so that the connection is idle and kept alive after it. */
    private static void request(Socket s) throws IOException {
        s.getOutputStream().write(HelloResponse.REQUEST);
        InputStream in = s.getInputStream();
        ByteBuffer got = ByteBuffer.allocate(HelloResponse.MAX_HEAD + HelloResponse.BODY.length + 1);
        // Bounded: each pass reads at least a byte into a buffer of fixed size, or fails.
        while (true) {
            int n = in.read(got.array(), got.position(), got.remaining());
            if (n < 0) {
                throw new IOException("closed before a whole answer (" + got.position() + " bytes)");
            }
            got.position(got.position() + n);
            int len = HelloResponse.length(got.duplicate().flip());
            if (len > 0) {
                if (len != got.position()) {
                    throw new IOException((got.position() - len) + " bytes after the answer");
                }
                return;
            }
        }
    }

    private static boolean stdinIsDevNull() {
        try {
            return Files.isSameFile(Path.of("/proc/self/fd/0"), Path.of("/dev/null"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void closeAll(Iterable<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
