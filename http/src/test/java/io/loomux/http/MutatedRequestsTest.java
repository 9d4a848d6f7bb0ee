package io.loomux.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.testng.annotations.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

/**
 * Thousands of mutated requests over raw sockets, from a fixed seed (every run sends the same
 * bytes): valid requests with bits flipped, cut short, with CR, LF, NUL or spaces inserted,
 * header lines duplicated and lengths made huge. Each connection sends its bytes, half-closes,
 * and must get well-formed responses and then the close, or only the close, within a bound.
 * Meanwhile a well-behaved client on the same server must see every one of its requests
 * answered correctly.
 */
public class MutatedRequestsTest {

    /** The seed of the mutations; a failure names the input, which this seed reproduces. */
    private static final long SEED = 0x10_0A_D5_EEDL;
    /** Mutated connections per backend. */
    private static final int CONNECTIONS = 2_000;
    /** Raw clients sending at once. */
    private static final int PARALLEL = 4;
    /** How long a mutated connection may take to be answered and closed. */
    private static final int BOUND_MILLIS = 5_000;
    /** The most failures described in the assertion message. */
    private static final int MAX_REPORTED = 5;

    private static final String HOST = "Host: 127.0.0.1\r\n";
    private static final String[] TEMPLATES = {
        "GET /echo HTTP/1.1\r\n" + HOST + "\r\n",
        "GET /echo?x=1&y=%20 HTTP/1.1\r\n" + HOST + "Accept: */*\r\nUser-Agent: mutated\r\n\r\n",
        "POST /echo HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-T: t\r\n\r\n",
        "GET /echo HTTP/1.1\r\n" + HOST + "\r\nPOST /echo HTTP/1.1\r\n" + HOST + "Content-Length: 3\r\n\r\nabc"
                + "GET /echo HTTP/1.1\r\n" + HOST + "Connection: close\r\n\r\n",
        "GET /echo HTTP/1.0\r\n\r\n",
        "POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhiGET /echo HTTP/1.0\r\n\r\n",
        "POST /echo HTTP/1.1\r\n" + HOST + "Expect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
        "GET http://127.0.0.1/echo HTTP/1.1\r\n" + HOST + "\r\n",
    };
    private static final byte[][] INSERTS = {
        {'\r'}, {'\n'}, {0}, {' '}, {'\t'}, {'\r', '\n'}, {'\r', '\n', ' '}, {'\n', '\n'},
    };

    /** Answers "ok N" with N the body bytes read, with a fixed length. */
    private static void echo(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readAllBytes();
        byte[] reply = ("ok " + body.length).getBytes(StandardCharsets.ISO_8859_1);
        x.sendResponseHeaders(200, reply.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(reply);
        }
    }

    @Test(dataProvider = "loomux", dataProviderClass = HttpProviders.class, timeOut = 120_000)
    public void mutatedRequestsAreAnsweredOrClosedWhileAGoodClientIsServed(Impl impl) throws Exception {
        Servers.run(impl, Servers.context("/echo", MutatedRequestsTest::echo), server -> {
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            try (HttpClient client = Clients.http11()) {
                Future<Integer> good = threads.submit(() -> wellBehaved(client, server, done));
                List<byte[]> inputs = inputs(new Random(SEED), CONNECTIONS);
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                AtomicInteger failed = new AtomicInteger();
                AtomicInteger next = new AtomicInteger();
                // Responses by status class (index 2 for 2xx, ...), to show the mix was varied.
                AtomicIntegerArray classes = new AtomicIntegerArray(6);
                List<Future<?>> senders = new ArrayList<>();
                for (int t = 0; t < PARALLEL; t++) {
                    senders.add(threads.submit(() -> {
                        // Bounded by the inputs.
                        for (int i; (i = next.getAndIncrement()) < inputs.size(); ) {
                            String why = exchange(server.getAddress().getPort(), inputs.get(i), classes);
                            if (why != null && failed.incrementAndGet() <= MAX_REPORTED) {
                                failures.add("input " + i + " '" + printable(inputs.get(i)) + "': " + why);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : senders) {
                    f.get(90, TimeUnit.SECONDS);
                }
                done.set(true);
                int served = good.get(30, TimeUnit.SECONDS);
                assertEquals(failed.get(), 0, failed.get() + " of " + inputs.size()
                        + " mutated connections misbehaved, e.g.\n" + String.join("\n", failures));
                assertTrue(served > 0, "the well-behaved client sent no request");
                // Both kinds must be common, or the mutations test only one path.
                assertTrue(classes.get(2) > CONNECTIONS / 10 && classes.get(4) > CONNECTIONS / 10,
                        "responses by class (1xx..5xx): " + classes);
                Clients.assertResponse(Clients.get(client, server, "/echo"), 200, "ok 0");
            } finally {
                done.set(true);
                threads.shutdownNow();
                threads.awaitTermination(10, TimeUnit.SECONDS);
            }
        });
    }

    /**
     * Sends GETs and POSTs over kept-alive connections until the mutated run is done, checking
     * each answer.
     *
     * @return how many requests were answered (all of them correctly, or it throws)
     */
    private static int wellBehaved(HttpClient client, HttpServer server, AtomicBoolean done) throws Exception {
        int served = 0;
        // Bounded by the mutated run, which ends within its own bound, and by this count.
        for (int i = 0; !done.get() && i < 100_000; i++) {
            String body = "x".repeat(i % 50);
            HttpRequest request = i % 2 == 0
                    ? Clients.request(server, "/echo").GET().build()
                    : Clients.request(server, "/echo").POST(HttpRequest.BodyPublishers.ofString(body)).build();
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            Clients.assertResponse(r, 200, "ok " + (i % 2 == 0 ? 0 : body.length()));
            served++;
        }
        return served;
    }

    /** @return the mutated inputs, the same for the same random source */
    static List<byte[]> inputs(Random random, int count) {
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] b = TEMPLATES[random.nextInt(TEMPLATES.length)].getBytes(StandardCharsets.ISO_8859_1);
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                b = mutate(random, b);
            }
            out.add(b);
        }
        return out;
    }

    private static byte[] mutate(Random random, byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int at = random.nextInt(b.length);
        switch (random.nextInt(7)) {
            case 0 -> {
                byte[] c = b.clone();
                c[at] ^= (byte) (1 << random.nextInt(8));
                return c;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(b, at);
            }
            case 2 -> {
                return splice(b, at, 0, INSERTS[random.nextInt(INSERTS.length)]);
            }
            case 3 -> {
                return splice(b, at, 1, new byte[0]);
            }
            case 4 -> {
                // Duplicate the line that holds byte 'at'.
                int start = at;
                while (start > 0 && b[start - 1] != '\n') {
                    start--;
                }
                int end = at;
                while (end < b.length && b[end] != '\n') {
                    end++;
                }
                end = Math.min(b.length, end + 1);
                return splice(b, end, 0, java.util.Arrays.copyOfRange(b, start, end));
            }
            case 5 -> {
                String s = new String(b, StandardCharsets.ISO_8859_1);
                String huge = random.nextBoolean() ? "99999999999999999" : "7fffffffffffffff";
                s = s.replaceFirst("Content-Length: [0-9]+", "Content-Length: " + huge)
                        .replaceFirst("\r\n\r\n5;", "\r\n\r\n" + huge + ";");
                return s.getBytes(StandardCharsets.ISO_8859_1);
            }
            default -> {
                byte[] c = b.clone();
                c[at] = (byte) random.nextInt(256);
                return c;
            }
        }
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] c = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(insert, 0, c, at, insert.length);
        System.arraycopy(b, at + remove, c, at + insert.length, b.length - at - remove);
        return c;
    }

    /**
     * Sends the bytes on a new connection, half-closes it, and reads until the server closes.
     *
     * @return why the server's answer is wrong, or null
     */
    private static String exchange(int port, byte[] input, AtomicIntegerArray classes) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        try (Socket s = new Socket()) {
            s.setSoTimeout(BOUND_MILLIS);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BOUND_MILLIS);
            OutputStream out = s.getOutputStream();
            try {
                out.write(input);
                s.shutdownOutput();
            } catch (SocketException e) {
                // The server refused and closed while the request was still going out.
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            // Bounded by the deadline: each read waits at most what is left of it.
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return "no close within " + BOUND_MILLIS + " ms; got '" + printable(got.toByteArray()) + "'";
                }
                s.setSoTimeout((int) left);
                int n;
                try {
                    n = in.read(buf);
                } catch (SocketTimeoutException e) {
                    return "no close within " + BOUND_MILLIS + " ms; got '" + printable(got.toByteArray()) + "'";
                } catch (SocketException e) {
                    // A reset: the close came with bytes of ours unread, and may have cut the
                    // responses short; what arrived must still start well.
                    return wellFormed(got.toByteArray(), true, classes);
                }
                if (n < 0) {
                    return wellFormed(got.toByteArray(), false, classes);
                }
                got.write(buf, 0, n);
            }
        } catch (IOException e) {
            return "the client failed: " + e;
        }
    }

    /**
     * @param b       what the server sent before it closed
     * @param reset   whether the close was a reset, which may have cut the bytes short
     * @param classes counts of the responses by status class, added to
     * @return why the bytes are not complete, well-formed responses (or their start, after a
     *     reset), or null
     */
    static String wellFormed(byte[] b, boolean reset, AtomicIntegerArray classes) {
        int pos = 0;
        // Bounded by the bytes: each pass reads at least a status line.
        while (pos < b.length) {
            int headEnd = indexOf(b, "\r\n\r\n", pos);
            if (headEnd < 0) {
                return reset ? null : "a response head cut short: '" + printable(b) + "'";
            }
            String[] lines = new String(b, pos, headEnd - pos, StandardCharsets.ISO_8859_1).split("\r\n", -1);
            if (!lines[0].matches("HTTP/1\\.1 [1-5][0-9][0-9] [^\r\n]*")) {
                return "a bad status line '" + lines[0] + "'";
            }
            int code = Integer.parseInt(lines[0].substring(9, 12));
            classes.incrementAndGet(code / 100);
            long length = -1;
            boolean chunked = false;
            boolean close = false;
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(": ");
                if (colon <= 0 || lines[i].indexOf('\n') >= 0 || lines[i].indexOf('\r') >= 0) {
                    return "a bad header line '" + lines[i] + "'";
                }
                String name = lines[i].substring(0, colon);
                String value = lines[i].substring(colon + 2);
                if (name.equalsIgnoreCase("Content-length")) {
                    if (!value.matches("[0-9]{1,18}")) {
                        return "a bad Content-length '" + value + "'";
                    }
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-encoding")) {
                    chunked = value.equals("chunked");
                } else if (name.equalsIgnoreCase("Connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            pos = headEnd + 4;
            if (code < 200) {
                continue;
            }
            if (chunked) {
                return "a chunked response to a client that gets fixed lengths only";
            }
            if (length >= 0) {
                if (b.length - pos < length) {
                    return reset ? null : "a body cut short: '" + printable(b) + "'";
                }
                pos += (int) length;
            } else if (close) {
                return null;
            }
            if (close && pos < b.length) {
                return "bytes after a response with Connection: close: '" + printable(b) + "'";
            }
        }
        return null;
    }

    private static int indexOf(byte[] b, String s, int from) {
        outer:
        for (int i = from; i <= b.length - s.length(); i++) {
            for (int j = 0; j < s.length(); j++) {
                if (b[i + j] != s.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 400); i++) {
            int c = b[i] & 0xff;
            switch (c) {
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\x%02x", c));
                    } else {
                        sb.append((char) c);
                    }
                }
            }
        }
        return b.length > 400 ? sb + "..." : sb.toString();
    }
}
