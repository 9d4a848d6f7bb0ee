package io.loomux.bench.soak;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client's connection to one server, speaking its kind: raw bytes to an echo server, HTTP/1.1
 * requests whose body is the message to an HTTP server (written here by hand, so that every
 * byte sent and received is the soak's to choose and check), or HTTP/2 ({@link #http2}, over
 * plain TCP or TLS alike). Blocking, for one thread.
 */
final class Wire implements AutoCloseable {

    /** How long a client waits for any answer before it counts it as not coming. */
    static final Duration ANSWER = Duration.ofSeconds(10);
    private static final int CONNECT_MILLIS = 10_000;
    private static final int MAX_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 100;
    /** Connections tried before giving up on getting one whose addresses no injector has faulted. */
    private static final int FRESH_ADDRESS_TRIES = 10;
    /** Local addresses of 127.0.0.0/8 handed out: 127.0.0.1 to 127.255.255.254, none ending in 0 or 255. */
    private static final long LOOPBACK_ADDRESSES = 256L * 256 * 254;
    private static final AtomicLong NEXT_LOCAL = new AtomicLong();
    /** Cleared the first time this host refuses a loopback address other than 127.0.0.1. */
    private static volatile boolean ownLocalAddresses = true;

    /** An answer no correct server gives (a bad status, a malformed head): lost, never a reset. */
    static final class BadAnswer extends IOException {
        BadAnswer(String message) {
            super(message);
        }
    }

    private final Target target;
    private final Faults faults;
    private final Socket socket;
    /** This connection's two ends, read once connected: a closed socket may no longer tell them. */
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private final InputStream in;
    private final OutputStream out;
    /** HTTP/2's messages, for a server the well-behaved clients speak HTTP/2 to; else null. */
    private H2Messages h2;

    private Wire(Target target, Faults faults, Socket socket, InetSocketAddress local, InetSocketAddress remote)
            throws IOException {
        this.target = target;
        this.faults = faults;
        this.socket = socket;
        this.local = local;
        this.remote = remote;
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
    }

    /**
     * Connects within the answer time. For HTTPS the handshake is made by the first send, so that
     * a handshake the server side ends is judged like any other early end ({@link #faulted()}).
     *
     * <p>The injector names the connections it faulted by their two addresses, for as long as
     * it lives. A later connection with the same two addresses could not be told apart from a
     * faulted one, so no two connections of a run share them: to an IPv4 loopback server each
     * connects from a loopback address of its own ({@link #ownLocalAddress}), over 16 million
     * before one comes round again. Where the host has only 127.0.0.1, local ports come round
     * after some 14,000 connections per server; then a connection whose addresses an injector
     * already named is closed and another made, which fails once most ports are named (as a
     * lost connection: the run cannot then check what it must).
     */
    static Wire open(Target t, Faults faults) throws IOException {
        // Bounded by FRESH_ADDRESS_TRIES; with an address of its own the first try serves.
        for (int tries = 1; ; tries++) {
            Socket s = new Socket();
            if (!ownLocalAddress(s, t.address())) {
                s.close();
                s = new Socket(); // a failed bind may leave the socket unusable: start afresh
            }
            try {
                s.setTcpNoDelay(true);
                s.connect(t.address(), CONNECT_MILLIS);
                s.setSoTimeout((int) ANSWER.toMillis());
                InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
                InetSocketAddress remote = (InetSocketAddress) s.getRemoteSocketAddress();
                if (faults.faulted(local, remote)) {
                    s.close();
                    if (tries == FRESH_ADDRESS_TRIES) {
                        throw new IOException(tries + " connections in a row got addresses an injector had"
                                + " already faulted (the last " + local + " to " + remote + ")");
                    }
                    continue;
                }
                Socket over = s;
                if (t.tls() != null) {
                    over = t.tls().getSocketFactory()
                            .createSocket(s, t.address().getHostString(), t.address().getPort(), true);
                }
                return new Wire(t, faults, over, local, remote);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
    }

    /**
     * Binds a socket that is to connect to an IPv4 loopback server to the next local address of
     * 127.0.0.0/8, which Linux routes to the loopback interface whole.
     *
     * @return false if the host refused the address (from then on no socket is bound)
     */
    private static boolean ownLocalAddress(Socket s, InetSocketAddress server) throws IOException {
        if (!ownLocalAddresses || !(server.getAddress() instanceof Inet4Address a) || !a.isLoopbackAddress()) {
            return true;
        }
        long n = NEXT_LOCAL.getAndIncrement() % LOOPBACK_ADDRESSES;
        byte[] ip = {127, (byte) (n / (256 * 254)), (byte) (n / 254 % 256), (byte) (1 + n % 254)};
        try {
            s.bind(new InetSocketAddress(InetAddress.getByAddress(ip), 0));
            return true;
        } catch (BindException e) {
            ownLocalAddresses = false;
            return false;
        }
    }

    /**
     * Asks the servers' injectors whether they ended this connection (a reset or broken pipe
     * injected at the server's end). Sound right after this client saw the connection end
     * early: the injector records the fault when it injects it, before the failing call returns
     * to the server, so before the server can close its end and before this client can see
     * the end of the stream or the reset that close sends.
     *
     * @return true if an injector faulted this connection
     */
    boolean faulted() {
        return faults.faulted(local, remote);
    }

    /**
     * @return this client's end of the connection as the server sees it, which the server's log
     *     names the connection by ({@link ServerLog#account})
     */
    String client() {
        return String.valueOf(local);
    }

    Socket socket() {
        return socket;
    }

    /**
     * Sends one message: as it is to an echo server, as a request body to an HTTP server.
     *
     * @param chunked HTTP only: send the body in chunks instead of with a Content-Length
     */
    void send(byte[] body, boolean chunked) throws IOException {
        sendPart(body, body.length, chunked);
    }

    /**
     * Sends the start of a message whose whole is {@code body}: {@code upTo} of its bytes, with
     * the HTTP head announcing all of it. For clients that stop in the middle.
     */
    void sendPart(byte[] body, int upTo, boolean chunked) throws IOException {
        if (h2 != null) {
            h2.send(body, upTo, chunked);
        } else if (target.kind().http()) {
            String head = "POST /echo HTTP/1.1\r\nHost: " + target.address().getHostString() + ":"
                    + target.address().getPort() + "\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + body.length + "\r\n")
                    + "\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            if (chunked) {
                writeChunked(body, upTo);
            } else {
                out.write(body, 0, upTo);
            }
        } else {
            out.write(body, 0, upTo);
        }
        out.flush();
    }

    /** Chunks of varying sizes (a different split for every length), then the last chunk if whole. */
    private void writeChunked(byte[] body, int upTo) throws IOException {
        int size = 1 + body.length % 3001;
        for (int at = 0; at < upTo; at += size) {
            int n = Math.min(size, upTo - at);
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, at, n);
            out.write('\r');
            out.write('\n');
        }
        if (upTo == body.length) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /**
     * Reads the answer to one message: its echo, or the HTTP response's body.
     *
     * @param length the length sent (an echo answers with exactly that many bytes)
     * @return the bytes answered
     * @throws SocketTimeoutException if nothing comes for {@link #ANSWER}
     * @throws EOFException if the server closed before the whole answer
     * @throws BadAnswer    if the HTTP response is not a well-formed 200
     */
    byte[] receive(int length) throws IOException {
        if (h2 != null) {
            return h2.receive();
        }
        if (!target.kind().http()) {
            byte[] b = in.readNBytes(length);
            if (b.length < length) {
                throw new EOFException("echo ended after " + b.length + " of " + length + " bytes");
            }
            return b;
        }
        String status = line();
        if (!status.startsWith("HTTP/1.1 200 ")) {
            throw new BadAnswer("status line '" + status + "' for a well-formed request");
        }
        long contentLength = -1;
        boolean chunked = false;
        for (int i = 0; ; i++) {
            String h = line();
            if (h.isEmpty()) {
                break;
            }
            if (i == MAX_HEADERS) {
                throw new BadAnswer("over " + MAX_HEADERS + " response headers");
            }
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new BadAnswer("header line '" + h + "'");
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                contentLength = number(value, 10);
            } else if (name.equals("transfer-encoding")) {
                chunked = value.equalsIgnoreCase("chunked");
            }
        }
        if (chunked) {
            return chunkedBody();
        }
        if (contentLength < 0) {
            throw new BadAnswer("a 200 with a body but neither Content-Length nor chunked");
        }
        if (contentLength > Integer.MAX_VALUE) {
            throw new BadAnswer("Content-Length " + contentLength);
        }
        byte[] b = in.readNBytes((int) contentLength);
        if (b.length < contentLength) {
            throw new EOFException("response body ended after " + b.length + " of " + contentLength + " bytes");
        }
        return b;
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        // Ends at the last chunk; each pass reads one chunk, and a body is at most a message.
        for (;;) {
            String sizeLine = line();
            int semi = sizeLine.indexOf(';');
            long n = number(semi < 0 ? sizeLine : sizeLine.substring(0, semi), 16);
            if (n == 0) {
                while (!line().isEmpty()) {
                    // trailer fields: none expected, skipped (bounded by the line limit and the stream)
                }
                return body.toByteArray();
            }
            if (n > Integer.MAX_VALUE - body.size()) {
                throw new BadAnswer("chunk of " + n + " bytes");
            }
            byte[] chunk = in.readNBytes((int) n);
            if (chunk.length < n) {
                throw new EOFException("chunk ended after " + chunk.length + " of " + n + " bytes");
            }
            body.writeBytes(chunk);
            if (!line().isEmpty()) {
                throw new BadAnswer("chunk not followed by CRLF");
            }
        }
    }

    private static long number(String s, int radix) throws BadAnswer {
        try {
            long n = Long.parseLong(s.trim(), radix);
            if (n < 0) {
                throw new BadAnswer("negative length '" + s + "'");
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadAnswer("length '" + s + "'");
        }
    }

    /** One CRLF-terminated line, without its CRLF. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection ended in a response head");
            }
            if (b == '\n') {
                int last = sb.length() - 1;
                if (last < 0 || sb.charAt(last) != '\r') {
                    throw new BadAnswer("line not ended by CRLF: '" + sb + "'");
                }
                return sb.substring(0, last);
            }
            if (sb.length() == MAX_LINE) {
                throw new BadAnswer("response line over " + MAX_LINE + " bytes");
            }
            sb.append((char) b);
        }
    }

    /** @return true if the server ends the stream next (nothing more comes), within the answer time */
    boolean endsNext() throws IOException {
        return in.read() < 0;
    }

    /**
     * Waits at most {@code wait} for the server to send a byte or end the stream.
     *
     * @return true if it did either (an error response, a close, a reset); false if nothing came
     */
    boolean answersWithin(Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        try {
            in.read();
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset: the server cut the connection
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout((int) ANSWER.toMillis());
            }
        }
    }

    /**
     * Speaks HTTP/2 from here on (to a server of a kind whose well-behaved clients do): the
     * preface and SETTINGS go out now, and each message is a stream of its own. Over TLS the
     * handshake is made here, offering {@value H2Messages#ALPN} alone through ALPN.
     *
     * @throws BadAnswer if the TLS handshake ended without ALPN choosing h2: the server would
     *     read the preface as HTTP/1.1, and every answer after it would be wrong for that reason
     */
    Wire http2() throws IOException {
        String scheme = "http";
        if (socket instanceof SSLSocket tls) {
            SSLParameters p = tls.getSSLParameters();
            p.setApplicationProtocols(new String[] {H2Messages.ALPN});
            tls.setSSLParameters(p);
            tls.startHandshake();
            String chosen = tls.getApplicationProtocol();
            if (!H2Messages.ALPN.equals(chosen)) {
                throw new BadAnswer("ALPN chose " + (chosen == null || chosen.isEmpty() ? "no protocol" : "'" + chosen + "'")
                        + " where the client offered " + H2Messages.ALPN + " alone: the server does not speak HTTP/2"
                        + " over TLS");
            }
            scheme = "https";
        }
        h2 = new H2Messages(in, out, scheme, target.address().getHostString() + ":" + target.address().getPort());
        h2.open();
        return this;
    }

    /** Sends raw bytes as they are, whatever the server speaks. */
    void sendRaw(byte[] bytes, int off, int len) throws IOException {
        out.write(bytes, off, len);
        out.flush();
    }

    /** Shuts the output down (for TLS, after its close_notify), leaving the input open. */
    void shutdownOutput() throws IOException {
        out.flush();
        socket.shutdownOutput();
    }

    /** Ends the connection with a reset instead of the orderly close (SO_LINGER 0). */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
