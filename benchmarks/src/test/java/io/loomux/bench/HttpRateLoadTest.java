package io.loomux.bench;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertThrows;

/** The HTTP loads check every answer: the open loop's exit status, and the check itself. */
public class HttpRateLoadTest {

    private static final String GOOD = "HTTP/1.1 200 OK\r\nDate: Sun, 06 Dec 2026 13:00:00 GMT\r\n"
            + "Content-type: text/plain; charset=utf-8\r\nContent-length: 14\r\n\r\nHello, world!\n";

    private LoopbackServer server;

    @AfterMethod(alwaysRun = true)
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** A server on the loopback that answers every request (head up to its blank line) with {@code answer}. */
    private int serve(String answer) throws IOException {
        byte[] bytes = answer.getBytes(StandardCharsets.US_ASCII);
        server = LoopbackServer.start(s -> answer(s, bytes));
        return server.port();
    }

    private static void answer(Socket s, byte[] answer) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int matched = 0;
            // Counts the "\r\n\r\n" that end each request head; requests may come pipelined.
            for (int b; (b = in.read()) >= 0; ) {
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    out.write(answer);
                    matched = 0;
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String[] args(int port) {
        return new String[] {"127.0.0.1", Integer.toString(port), "8", "500", "0", "1"};
    }

    @Test(timeOut = 60_000)
    public void theHelloAnswerPasses() throws Exception {
        assertEquals(HttpRateLoad.run(args(serve(GOOD))), 0);
    }

    @Test(timeOut = 60_000)
    public void anotherBodyIsAnError() throws Exception {
        assertEquals(HttpRateLoad.run(args(serve(GOOD.replace("world", "there")))), 1);
    }

    @Test(timeOut = 60_000)
    public void aServerThatClosesIsAnError() throws Exception {
        assertEquals(HttpRateLoad.run(args(serve(GOOD.replace("Content-length", "Connection: close\r\nContent-length")))), 1);
    }

    @Test
    public void badArgumentsAreStatus2() throws Exception {
        assertEquals(HttpRateLoad.run(new String[] {"127.0.0.1", "1", "0", "500", "0", "1"}), 2);
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    public void anAnswerCountsOnlyWhenWholeAndPipelinedOnesOneByOne() throws Exception {
        for (int cut = 0; cut < GOOD.length(); cut++) {
            assertEquals(HelloResponse.length(bytes(GOOD.substring(0, cut))), -1, "cut at " + cut);
        }
        ByteBuffer two = bytes(GOOD + GOOD.replace("Date: Sun, 06 Dec 2026 13:00:00 GMT\r\n", ""));
        int first = HelloResponse.length(two);
        assertEquals(first, GOOD.length());
        assertEquals(two.position(), 0, "the buffer is left as it was");
        two.position(first);
        assertEquals(HelloResponse.length(two), two.remaining());
    }

    @Test
    public void whatIsNotTheHelloIsRejected() {
        for (String bad : new String[] {
                GOOD.replace("200 OK", "404 Not Found"),
                GOOD.replace("Content-length: 14", "Content-length: 15") + "x",
                GOOD.replace("Content-length: 14", "Transfer-Encoding: chunked"),
                GOOD.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n"),
                GOOD.replace("Hello", "Jello")}) {
            assertThrows(IOException.class, () -> HelloResponse.length(bytes(bad)));
        }
        ByteArrayOutputStream endless = new ByteArrayOutputStream();
        endless.writeBytes("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; endless.size() <= HelloResponse.MAX_HEAD; i++) {
            endless.writeBytes(("X-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        assertThrows(IOException.class, () -> HelloResponse.length(ByteBuffer.wrap(endless.toByteArray())));
    }
}
