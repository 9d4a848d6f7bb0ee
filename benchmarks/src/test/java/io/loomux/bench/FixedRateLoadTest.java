package io.loomux.bench;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.function.IntUnaryOperator;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

/** The fixed-rate load checks its echoes, and its queue of send times keeps their order. */
public class FixedRateLoadTest {

    private LoopbackServer server;

    @AfterMethod(alwaysRun = true)
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** An echo server on the loopback whose bytes pass through {@code change} on the way back. */
    private int serve(IntUnaryOperator change) throws IOException {
        server = LoopbackServer.start(s -> echo(s, change));
        return server.port();
    }

    private static void echo(Socket s, IntUnaryOperator change) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[4096];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    buf[i] = (byte) change.applyAsInt(buf[i]);
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static String[] args(int port) {
        return new String[] {"127.0.0.1", Integer.toString(port), "8", "64", "2000", "0", "1"};
    }

    @Test
    public void aFaithfulEchoPasses() throws Exception {
        assertEquals(FixedRateLoad.run(args(serve(b -> b))), 0);
    }

    @Test
    public void aChangedByteIsAnError() throws Exception {
        assertEquals(FixedRateLoad.run(args(serve(b -> b == 100 ? 101 : b))), 1);
    }

    @Test
    public void timesComeOutOldestFirstAcrossGrowth() {
        OpenLoop.Times times = new OpenLoop.Times();
        long added = 0;
        long taken = 0;
        // Interleaved so that the ring wraps before it grows.
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 3; i++) {
                times.add(added++);
            }
            assertEquals(times.peek(), taken);
            assertEquals(times.get(times.size() - 1), added - 1);
            assertEquals(times.poll(), taken++);
        }
        assertEquals(times.size(), added - taken);
        while (!times.isEmpty()) {
            assertEquals(times.poll(), taken++);
        }
        assertEquals(taken, added);
        assertTrue(times.isEmpty());
        assertFalse(times.size() > 0);
    }
}
