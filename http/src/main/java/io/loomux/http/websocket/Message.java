package io.loomux.http.websocket;

import java.util.Objects;

/**
 * One whole WebSocket message, its fragments (if the peer sent it in several) joined. Look at it
 * with a pattern: {@code if (m instanceof Message.Text t) ...}, or a switch over the two records.
 */
public sealed interface Message permits Message.Text, Message.Binary {

    /**
     * A text message.
     *
     * @param text the message, never null
     */
    record Text(String text) implements Message {
        /** @throws NullPointerException if {@code text} is null */
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * A binary message. The array is the message's own, not a copy: a received one belongs to
     * the receiver, and one sent must not change until {@link WebSocket#send} has returned.
     * As for any record holding an array, {@code equals} compares the arrays' identity.
     *
     * @param bytes the message, never null
     */
    record Binary(byte[] bytes) implements Message {
        /** @throws NullPointerException if {@code bytes} is null */
        public Binary {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    /**
     * @param s the text
     * @return a text message
     */
    static Message text(String s) {
        return new Text(s);
    }

    /**
     * @param b the bytes, not copied
     * @return a binary message
     */
    static Message binary(byte[] b) {
        return new Binary(b);
    }
}
