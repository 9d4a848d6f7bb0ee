package io.loomux.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import org.testng.annotations.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code loomux ws-echo}: its help, and the echo on any path, in a blocking loop and in turns,
 * with permessage-deflate and without.
 */
public class WsEchoCommandTest {

    @Test
    public void helpAnswersWithStatusZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"ws-echo", "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(status, Main.OK);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage: loomux ws-echo"), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--deflate"), out.toString(StandardCharsets.UTF_8));
    }

    @Test(timeOut = 60_000)
    public void deflateIsAgreedOnlyWhenAskedFor() throws Exception {
        assertEquals(answer(List.of("-p", "0", "-b", "127.0.0.1", "--deflate")), "permessage-deflate");
        assertEquals(answer(List.of("-p", "0", "-b", "127.0.0.1")), null);
        // The JDK's client offers no extension: it is served as before.
        echoes(List.of("-p", "0", "-b", "127.0.0.1", "--deflate", "--turns"));
    }

    /** @return the 101's Sec-WebSocket-Extensions to an offer of permessage-deflate, or null if none */
    private static String answer(List<String> args) throws Exception {
        try (HttpCommands.Running r = WsEchoCommand.start(WsEchoCommand.parse(args));
             Socket s = new Socket(InetAddress.getLoopbackAddress(), r.server().getAddress().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            assertTrue(in.readLine().startsWith("HTTP/1.1 101"));
            String extensions = null;
            // Bounded: a head has few fields; the empty line ends it.
            for (int i = 0; i < 50; i++) {
                String line = in.readLine();
                if (line == null || line.isEmpty()) {
                    break;
                }
                if (line.toLowerCase(Locale.ROOT).startsWith("sec-websocket-extensions:")) {
                    extensions = line.substring(line.indexOf(':') + 1).trim();
                }
            }
            return extensions;
        }
    }

    @Test(timeOut = 60_000)
    public void echoesInABlockingLoop() throws Exception {
        echoes(List.of("-p", "0", "-b", "127.0.0.1"));
    }

    @Test(timeOut = 60_000)
    public void echoesInTurns() throws Exception {
        echoes(List.of("-p", "0", "-b", "127.0.0.1", "--turns"));
    }

    private static void echoes(List<String> args) throws Exception {
        BlockingQueue<Object> got = new LinkedBlockingQueue<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();
            private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    got.add(text.toString());
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
                    got.add(binary.toByteArray());
                    binary.reset();
                }
                ws.request(1);
                return null;
            }
        };
        byte[] bytes = new byte[100_000];
        new Random(7).nextBytes(bytes);
        try (HttpCommands.Running r = WsEchoCommand.start(WsEchoCommand.parse(args));
             HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            URI uri = URI.create("ws://127.0.0.1:" + r.server().getAddress().getPort() + "/any/path");
            WebSocket ws = client.newWebSocketBuilder().buildAsync(uri, listener).get(10, TimeUnit.SECONDS);
            try {
                for (int i = 0; i < 10; i++) {
                    ws.sendText("hello " + i, true).get(10, TimeUnit.SECONDS);
                    assertEquals(got.poll(10, TimeUnit.SECONDS), "hello " + i);
                    ws.sendBinary(ByteBuffer.wrap(bytes.clone()), true).get(10, TimeUnit.SECONDS);
                    Object back = got.poll(10, TimeUnit.SECONDS);
                    assertNotNull(back);
                    assertEquals((byte[]) back, bytes);
                }
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            } finally {
                ws.abort();
            }
        }
    }
}
