package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Loomux;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * Scenario 6: a peer's reset reaches a parked loomux reader as the JDK reports it; a peer's
 * half-close reads as end of stream while the loomux side can still write back.
 */
public class PeerResetAndHalfCloseTest extends BackendTestBase {

    /** What the JDK's own SocketChannel and Socket throw in the same situation, measured here. */
    private Throwable jdkChannelReset;
    private Throwable jdkSocketReset;

    @BeforeClass
    public void measureWhatTheJdkReports() throws Exception {
        try (ServerSocketChannel ssc = ServerSocketChannel.open()) {
            ssc.bind(new InetSocketAddress(LOOPBACK, 0));
            Socket client = Io.jdkConnect((InetSocketAddress) ssc.getLocalAddress(), 10_000);
            try (SocketChannel accepted = ssc.accept()) {
                Running reader = startVirtual("jdk-channel-reader", () -> accepted.read(ByteBuffer.allocate(64)));
                awaitParked(reader);
                reset(client);
                jdkChannelReset = reader.failure(Duration.ofSeconds(5), "JDK SocketChannel read after a peer reset");
            }
        }
        try (ServerSocket ss = new ServerSocket(0, 50, LOOPBACK)) {
            Socket client = Io.jdkConnect((InetSocketAddress) ss.getLocalSocketAddress(), 10_000);
            try (Socket accepted = ss.accept()) {
                InputStream in = accepted.getInputStream();
                Running reader = startVirtual("jdk-socket-reader", in::read);
                awaitParked(reader);
                reset(client);
                jdkSocketReset = reader.failure(Duration.ofSeconds(5), "JDK Socket read after a peer reset");
            }
        }
        System.out.println("JDK reports a peer reset as: SocketChannel " + jdkChannelReset + ", Socket " + jdkSocketReset);
        closeResources();
    }

    private static void reset(Socket s) throws IOException {
        s.setSoLinger(true, 0);
        s.close();
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void peerResetWakesReaderWithConnectionReset(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        for (Pair pair : new Pair[] {acceptedPair(rt, 0), connectedPair(rt, 0)}) {
            Connection c = pair.loomux();
            long parks = rt.stats().parks();
            Running reader = startVirtual("reader", () -> c.read(ByteBuffer.allocate(64)));
            awaitParked(reader);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rt.stats().parks() > parks);
            reset(pair.peer());
            Throwable t = reader.failure(Duration.ofSeconds(3), backend + ": reader after the peer's reset");
            assertNotNull(jdkChannelReset);
            assertSameKind(t, jdkChannelReset, backend + ": loomux vs JDK SocketChannel");
            assertSameKind(t, jdkSocketReset, backend + ": loomux vs JDK Socket");
            assertTrue(t.getMessage().contains("Connection reset"), backend + ": " + t);
        }
    }

    private static void assertSameKind(Throwable loomux, Throwable jdk, String what) {
        if (loomux.getClass() != jdk.getClass() || !String.valueOf(loomux.getMessage()).equals(jdk.getMessage())) {
            throw new AssertionError(what + ": a peer reset gave " + loomux + ", the JDK gives " + jdk, loomux);
        }
        assertTrue(loomux instanceof SocketException, what);
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void peerHalfCloseReadsEofAndWritesStillFlow(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        for (Pair pair : new Pair[] {acceptedPair(rt, 0), connectedPair(rt, 0)}) {
            Connection c = pair.loomux();
            String what = backend + ", " + c;
            c.setReadTimeout(Duration.ofSeconds(10));
            OutputStream peerOut = pair.peer().getOutputStream();
            peerOut.write("ping".getBytes(StandardCharsets.US_ASCII));
            pair.peer().shutdownOutput();

            ByteBuffer ping = ByteBuffer.allocate(4);
            Io.readFully(c, ping);
            assertEquals(new String(ping.array(), StandardCharsets.US_ASCII), "ping", what);
            assertEquals(c.read(ByteBuffer.allocate(16)), -1, what + ": read after the peer's half-close");
            assertEquals(c.read(ByteBuffer.allocate(16)), -1, what + ": end of stream is sticky");
            assertTrue(c.isOpen(), what + ": end of stream does not close");

            // Write back more than the socket buffers hold, so the writer has to wait for the
            // peer to read: the write direction is fully alive after the half-close.
            int size = 4 * 1024 * 1024;
            Running writer = startVirtual("writer", () -> {
                byte[] data = new byte[size];
                Io.fillPattern(data, size, 0);
                int n = c.write(ByteBuffer.wrap(data));
                c.shutdownOutput();
                return n;
            });
            InputStream peerIn = pair.peer().getInputStream();
            byte[] got = new byte[size];
            Io.readFully(peerIn, got, 0, size);
            Io.checkPattern(got, size, 0, what + ": bytes written after the peer's half-close");
            assertEquals(peerIn.read(), -1, what + ": end of stream after the loomux side's shutdownOutput");
            assertEquals(writer.result().get(), size, what);
        }
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void ownHalfCloseStillReads(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        Pair pair = acceptedPair(rt, 0);
        Connection c = pair.loomux();
        c.setReadTimeout(Duration.ofSeconds(10));
        c.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
        c.shutdownOutput();
        InputStream peerIn = pair.peer().getInputStream();
        byte[] bye = new byte[3];
        Io.readFully(peerIn, bye, 0, 3);
        assertEquals(new String(bye, StandardCharsets.US_ASCII), "bye", backend.toString());
        assertEquals(peerIn.read(), -1, backend + ": the peer should see end of stream");
        pair.peer().getOutputStream().write("late".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer late = ByteBuffer.allocate(4);
        Io.readFully(c, late);
        assertEquals(new String(late.array(), StandardCharsets.US_ASCII), "late", backend + ": read after own shutdownOutput");
        pair.peer().close();
        assertEquals(c.read(ByteBuffer.allocate(4)), -1, backend + ": end of stream after the peer closed");
    }
}
