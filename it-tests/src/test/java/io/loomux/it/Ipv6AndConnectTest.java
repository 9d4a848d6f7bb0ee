package io.loomux.it;

import io.loomux.Connection;
import io.loomux.Loomux;
import io.loomux.server.TcpServer;
import org.testng.SkipException;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Random;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Scenario 9: echo over IPv6 loopback, and a refused connect.
 */
public class Ipv6AndConnectTest extends BackendTestBase {

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void echoOverIpv6Loopback(Backend backend) throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        try (ServerSocket probe = new ServerSocket(0, 1, v6)) {
            assertTrue(probe.getLocalPort() > 0);
        } catch (IOException e) {
            throw new SkipException("IPv6 loopback ::1 is not available here: " + e);
        }
        Backends.require(backend);
        TcpServer server = start(backend, server(backend).address(new InetSocketAddress(v6, 0))
                .handler(EchoIntegrityTest.ECHO));
        InetSocketAddress addr = server.address();
        assertTrue(addr.getAddress() instanceof Inet6Address, backend + ": server bound to " + addr);
        long seed = Long.getLong("loomux.it.seed", System.nanoTime());
        Random random = new Random(seed);
        String what = backend + " over " + addr + " (seed " + seed + ")";

        try (Socket s = Io.jdkConnect(addr, 10_000)) {
            for (int m = 0; m < 20; m++) {
                byte[] msg = new byte[1 + random.nextInt(32 * 1024)];
                random.nextBytes(msg);
                s.getOutputStream().write(msg);
                byte[] back = new byte[msg.length];
                Io.readFully(s.getInputStream(), back, 0, back.length);
                Io.assertSameBytes(msg, back, what + ", JDK client, message " + m);
            }
        }
        Loomux rt = runtime(backend);
        try (Connection c = rt.connect(addr, Duration.ofSeconds(10))) {
            c.setReadTimeout(Duration.ofSeconds(10));
            assertTrue(c.remoteAddress().getAddress() instanceof Inet6Address, what + ": remote " + c.remoteAddress());
            assertTrue(c.localAddress().getAddress() instanceof Inet6Address, what + ": local " + c.localAddress());
            assertEquals(c.remoteAddress().getPort(), addr.getPort(), what);
            for (int m = 0; m < 20; m++) {
                byte[] msg = new byte[1 + random.nextInt(32 * 1024)];
                random.nextBytes(msg);
                c.write(ByteBuffer.wrap(msg));
                ByteBuffer back = ByteBuffer.allocate(msg.length);
                Io.readFully(c, back);
                Io.assertSameBytes(msg, back.array(), what + ", loomux client, message " + m);
            }
        }
    }

    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void connectToClosedPortIsRefused(Backend backend) throws Exception {
        Loomux rt = runtime(backend);
        InetSocketAddress closed;
        try (ServerSocket ss = new ServerSocket(0, 1, LOOPBACK)) {
            closed = (InetSocketAddress) ss.getLocalSocketAddress();
        }
        // What the JDK says for the same connect.
        ConnectException jdk = expectThrows(ConnectException.class, () -> {
            try (SocketChannel ch = SocketChannel.open()) {
                ch.connect(closed);
            }
        });
        ConnectException e = expectThrows(ConnectException.class, () -> track(rt.connect(closed, Duration.ofSeconds(5))));
        System.out.println(getTestName() + ": loomux: " + e + "; JDK: " + jdk);
        assertTrue(String.valueOf(e.getMessage()).contains("refused"),
                backend + ": the error should say the connection was refused: " + e + " (JDK: " + jdk + ")");
        // The runtime is fine afterwards.
        try (ServerSocket ss = new ServerSocket(0, 1, LOOPBACK);
             Connection c = rt.connect((InetSocketAddress) ss.getLocalSocketAddress(), Duration.ofSeconds(5))) {
            assertTrue(c.isOpen(), backend.toString());
        }
    }
}
