package io.loomux.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client's opening handshake of RFC 6455 (§4.1), over a connected blocking socket, checked
 * as a client must check it: status 101, {@code Upgrade: websocket}, {@code Connection} naming
 * {@code upgrade}, the {@code Sec-WebSocket-Accept} that the key calls for, and no extension or
 * subprotocol (none is offered). Anything else is an {@link IOException} saying what was wrong.
 */
final class WsHandshake {

    /** The GUID that the accept value hashes with the key (RFC 6455 §1.3). */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** The most an answer's head may take before it counts as broken. */
    private static final int MAX_HEAD = 8192;

    private WsHandshake() {
    }

    /**
     * Sends the upgrade request for {@code path} and reads and checks the answer, within the
     * socket's read timeout per read. The server must send nothing after the answer's head
     * before the client's first message (an echo server has nothing to say first), so bytes
     * there are an error too: the caller can then frame from a clean start.
     *
     * @param s    the connected socket, blocking
     * @param path the request target, e.g. {@code /}
     * @throws IOException if the server did not accept the upgrade as RFC 6455 asks
     */
    static void open(Socket s, String path) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String host = s.getInetAddress().getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + host + ":" + s.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        check(readHead(s.getInputStream()), acceptFor(key));
    }

    /** The {@code Sec-WebSocket-Accept} value that answers {@code key}. */
    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** Reads up to the blank line that ends the answer's head; more bytes after it are an error. */
    private static String readHead(InputStream in) throws IOException {
        byte[] buf = new byte[MAX_HEAD];
        int n = 0;
        // Bounded: each pass reads at least one byte into a buffer of fixed size, or fails.
        while (true) {
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                throw new IOException("closed during the handshake after " + n + " bytes");
            }
            int from = Math.max(0, n - 3);
            n += r;
            for (int i = from; i + 3 < n; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                    if (i + 4 != n) {
                        throw new IOException((n - i - 4) + " bytes after the handshake's answer, before any message");
                    }
                    return new String(buf, 0, i, StandardCharsets.ISO_8859_1);
                }
            }
            if (n == buf.length) {
                throw new IOException("handshake answer's head longer than " + MAX_HEAD + " bytes");
            }
        }
    }

    private static void check(String head, String accept) throws IOException {
        String[] lines = head.split("\r\n", -1);
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].equals("HTTP/1.1") || !status[1].equals("101")) {
            throw new IOException("handshake answered '" + lines[0] + "'");
        }
        String upgrade = null, connection = null, gotAccept = null, extensions = null, protocol = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line in the handshake's answer: '" + lines[i] + "'");
            }
            String value = lines[i].substring(colon + 1).strip();
            switch (lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT)) {
                case "upgrade" -> upgrade = value;
                case "connection" -> connection = value;
                case "sec-websocket-accept" -> gotAccept = value;
                case "sec-websocket-extensions" -> extensions = value;
                case "sec-websocket-protocol" -> protocol = value;
                default -> {
                    // other fields (date, server) say nothing about the upgrade
                }
            }
        }
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            throw new IOException("handshake answer's Upgrade is '" + upgrade + "'");
        }
        if (connection == null || !hasToken(connection, "upgrade")) {
            throw new IOException("handshake answer's Connection is '" + connection + "'");
        }
        if (!accept.equals(gotAccept)) {
            throw new IOException("Sec-WebSocket-Accept is '" + gotAccept + "', expected '" + accept + "'");
        }
        if (extensions != null || protocol != null) {
            throw new IOException("the server chose an extension or subprotocol that was not offered: "
                    + (extensions != null ? extensions : protocol));
        }
    }

    private static boolean hasToken(String list, String token) {
        for (String t : list.split(",")) {
            if (t.strip().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }
}
