package io.loomux.http;

import static org.testng.Assert.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What a JDK WebSocket client received, message by message, its parts joined: a String, a byte[],
 * the Close's code (an Integer), or a failure (which {@link #next()} throws).
 */
public final class WsReceived implements WebSocket.Listener {

    /** How long {@link #next()} waits. */
    public static final long WAIT_SECONDS = 20;

    private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            messages.add(text.toString());
            text.setLength(0);
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        binary.writeBytes(b);
        if (last) {
            messages.add(binary.toByteArray());
            binary.reset();
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
        messages.add(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        messages.add(error);
    }

    /** @return the next thing received, waiting up to {@link #WAIT_SECONDS} */
    public Object next() throws InterruptedException {
        Object o = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(o, "nothing came within " + WAIT_SECONDS + " s");
        if (o instanceof Throwable t) {
            throw new AssertionError("the client failed", t);
        }
        return o;
    }
}
