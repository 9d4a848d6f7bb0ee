package io.loomux.server;

import io.loomux.BackendInfo;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;

/**
 * A server's counters over JMX: registers a {@link TcpServerMXBean} as
 * {@code io.loomux:type=TcpServer,port=<port>} while the server runs, and unregisters it at
 * shutdown.
 *
 * <p>Invariants: JMX never fails a server. A registration that fails (another MBean for the
 * port, say) is logged and leaves the server without one; unregistering then does nothing. The
 * MXBean holds no copy: every attribute reads the live counters.
 */
final class ServerJmx {

    private static final System.Logger LOG = TcpServer.LOG;

    /** For a server without JMX: unregistering it does nothing. */
    static final ServerJmx NONE = new ServerJmx(null);

    /** The registered name; null if nothing was registered. */
    private final ObjectName name;

    private ServerJmx(ObjectName name) {
        this.name = name;
    }

    /**
     * Registers the server's MXBean; logs a failure and goes on without.
     *
     * @return the registration, to unregister at shutdown
     */
    static ServerJmx register(ServerCounters counters, BackendInfo backend, InetSocketAddress address) {
        try {
            ObjectName name = new ObjectName("io.loomux:type=TcpServer,port=" + address.getPort());
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            mbs.registerMBean(new Adapter(counters, backend, address), name);
            return new ServerJmx(name);
        } catch (InstanceAlreadyExistsException e) {
            // Two servers on one port (different addresses): counters are not worth failing for.
            LOG.log(System.Logger.Level.WARNING, "loomux server " + address + ": an MBean for port "
                    + address.getPort() + " is already registered; this server has none");
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "loomux server " + address + ": cannot register its MBean", e);
        }
        return NONE;
    }

    /** Unregisters the MXBean, if one was registered; logs rather than throws. */
    void unregister() {
        if (name == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (JMException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "unregistering " + name + ": " + e);
        }
    }

    /** The MXBean: reads the live counters on every attribute access. */
    private static final class Adapter implements TcpServerMXBean {
        private final ServerCounters counters;
        private final BackendInfo backend;
        private final InetSocketAddress address;

        Adapter(ServerCounters counters, BackendInfo backend, InetSocketAddress address) {
            this.counters = counters;
            this.backend = backend;
            this.address = address;
        }

        @Override
        public long getAccepted() {
            return counters.accepted();
        }

        @Override
        public long getActive() {
            return counters.active();
        }

        @Override
        public long getBytesIn() {
            return counters.stats().bytesIn();
        }

        @Override
        public long getBytesOut() {
            return counters.stats().bytesOut();
        }

        @Override
        public long getParks() {
            return counters.stats().parks();
        }

        @Override
        public long getPolls() {
            return counters.stats().polls();
        }

        @Override
        public long getEvents() {
            return counters.stats().events();
        }

        @Override
        public double getEventsPerPoll() {
            return counters.stats().eventsPerPoll();
        }

        @Override
        public long getTimeouts() {
            return counters.stats().timeouts();
        }

        @Override
        public long getAcceptErrors() {
            return counters.acceptErrors();
        }

        @Override
        public String getBackend() {
            return backend.name();
        }

        @Override
        public String getAddress() {
            return address.toString();
        }
    }
}
