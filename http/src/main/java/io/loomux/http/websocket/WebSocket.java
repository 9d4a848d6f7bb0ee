package io.loomux.http.websocket;

import com.sun.net.httpserver.Headers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.OptionalInt;

/**
 * One open WebSocket (RFC 6455), server side.
 *
 * <p>Threads: {@code send*}, {@link #ping} and {@link #close} may be called from any thread, at
 * the same time; each message leaves as one frame, written whole under one lock, so frames of two
 * messages never interleave. {@link #receive()} is for one thread at a time. Pings are answered
 * inside {@code receive()}, so a WebSocket whose peer pings must have a thread receiving.
 *
 * <p>Closing: {@link #close(int, String)} sends a Close frame, waits for the peer's (up to
 * {@link WebSocketSettings#closeTimeout()}) and closes the TCP connection; a thread in
 * {@code receive()} meanwhile gets null. A Close from the peer is answered with one carrying the
 * same code, the connection is closed, and {@code receive()} returns null. A peer that breaks the
 * protocol is sent a Close with the code that says how (1002, 1007, 1009) and the connection is
 * closed; {@code receive()} then throws {@link java.net.ProtocolException}.
 */
public interface WebSocket extends AutoCloseable {

    /**
     * Waits for the next whole message. Its fragments are joined up to
     * {@link WebSocketSettings#maxMessageSize()} (a longer one closes the WebSocket with 1009);
     * pings are answered with pongs, pongs are skipped.
     *
     * @return the message, or null once the close handshake is done (whichever side began it),
     *     or the WebSocket was closed by this side or the server's stop
     * @throws java.net.ProtocolException if the peer broke the protocol (the WebSocket is closed)
     * @throws IOException if the connection failed or ended without a Close
     * @throws IllegalStateException if another thread is in {@code receive()}
     */
    Message receive() throws IOException;

    /**
     * Sends a message as one frame; waits while the peer does not read (up to
     * {@link WebSocketSettings#sendTimeout()}, after which the connection is closed).
     *
     * @param m the message
     * @throws IOException if the WebSocket is closing or closed, or the write failed
     */
    void send(Message m) throws IOException;

    /**
     * @param text the text message
     * @throws IOException as {@link #send}
     */
    void sendText(String text) throws IOException;

    /**
     * @param bytes the binary message, not copied: it must not change until this returns
     * @throws IOException as {@link #send}
     */
    void sendBinary(byte[] bytes) throws IOException;

    /**
     * Sends a Ping; the peer's Pong is skipped by {@link #receive()}.
     *
     * @param payload at most 125 bytes
     * @throws IllegalArgumentException if the payload is longer
     * @throws IOException as {@link #send}
     */
    void ping(byte[] payload) throws IOException;

    /**
     * Starts the close handshake (or does nothing if it has begun): sends a Close frame, waits for
     * the peer's up to {@link WebSocketSettings#closeTimeout()}, then closes the connection.
     *
     * @param code   1000–1003, 1007–1014, or 3000–4999
     * @param reason at most 123 bytes in UTF-8
     * @throws IllegalArgumentException if the code may not be sent or the reason is too long
     * @throws IOException if sending the Close failed (the connection is closed all the same)
     */
    void close(int code, String reason) throws IOException;

    /** {@code close(1000, "")}: a normal closure. */
    @Override
    void close() throws IOException;

    /** @return whether messages may still be sent: no Close sent, no failure */
    boolean isOpen();

    /** @return the code of the peer's Close (1005 if it had none), empty until one came */
    OptionalInt closeCode();

    /** @return the reason of the peer's Close, "" until one came or if it had none */
    String closeReason();

    /** @return the subprotocol chosen in the handshake, "" if none */
    String subprotocol();

    /** @return the URI of the request that opened the WebSocket */
    URI requestURI();

    /**
     * @return the header fields of the request that opened the WebSocket: a new copy at each
     *     call, which the caller may change (an open WebSocket keeps them packed, not parsed)
     */
    Headers requestHeaders();

    /** @return the peer's address */
    InetSocketAddress remoteAddress();

    /** @return this side's address */
    InetSocketAddress localAddress();
}
