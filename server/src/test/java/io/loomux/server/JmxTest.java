package io.loomux.server;

import org.testng.annotations.Test;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static io.loomux.server.TestSupport.ECHO;
import static io.loomux.server.TestSupport.connect;
import static io.loomux.server.TestSupport.echo;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

public class JmxTest {

    private static ObjectName nameOf(TcpServer s) throws Exception {
        return new ObjectName("io.loomux:type=TcpServer,port=" + s.address().getPort());
    }

    @Test
    public void countersAreReadableOverJmxUntilShutdown() throws Exception {
        MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
        TcpServer server = TcpServer.builder().handler(ECHO).start();
        ObjectName name = nameOf(server);
        try (Socket s = connect(server.address())) {
            assertTrue(mbs.isRegistered(name));
            assertEquals(echo(s, "hello"), "hello");
            assertEquals(mbs.getAttribute(name, "Accepted"), 1L);
            assertEquals(mbs.getAttribute(name, "Active"), 1L);
            assertEquals(mbs.getAttribute(name, "Backend"), io.loomux.Loomux.defaultBackend().name());
            assertEquals(mbs.getAttribute(name, "Address"), server.address().toString());
            assertEquals(mbs.getAttribute(name, "AcceptErrors"), 0L);
            await().atMost(5, TimeUnit.SECONDS).until(() -> (Long) mbs.getAttribute(name, "BytesOut") >= 5);
            assertTrue((Long) mbs.getAttribute(name, "BytesIn") >= 5);
            assertTrue(mbs.getAttribute(name, "EventsPerPoll") instanceof Double);

            TcpServerMXBean proxy = JMX.newMXBeanProxy(mbs, name, TcpServerMXBean.class);
            assertEquals(proxy.getActive(), 1);
            assertTrue(proxy.getPolls() > 0);
        } finally {
            server.close();
        }
        assertFalse(mbs.isRegistered(name), "unregistered on shutdown");
    }

    @Test
    public void jmxCanBeTurnedOff() throws Exception {
        try (TcpServer server = TcpServer.builder().handler(ECHO).jmx(false).start()) {
            assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(nameOf(server)));
        }
    }
}
