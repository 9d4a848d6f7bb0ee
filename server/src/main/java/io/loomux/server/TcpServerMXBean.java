package io.loomux.server;

/**
 * A {@link TcpServer}'s counters over JMX, registered as
 * {@code io.loomux:type=TcpServer,port=<port>} while the server runs. Each attribute is the
 * {@link ServerStats} component of the same name, read when asked.
 */
public interface TcpServerMXBean {

    /** @return {@link ServerStats#accepted()} */
    long getAccepted();

    /** @return {@link ServerStats#active()} */
    long getActive();

    /** @return {@link ServerStats#bytesIn()} */
    long getBytesIn();

    /** @return {@link ServerStats#bytesOut()} */
    long getBytesOut();

    /** @return {@link ServerStats#parks()} */
    long getParks();

    /** @return {@link ServerStats#polls()} */
    long getPolls();

    /** @return {@link ServerStats#events()} */
    long getEvents();

    /** @return {@link ServerStats#eventsPerPoll()} */
    double getEventsPerPoll();

    /** @return {@link ServerStats#timeouts()} */
    long getTimeouts();

    /** @return {@link ServerStats#acceptErrors()} */
    long getAcceptErrors();

    /** @return the backend's name, e.g. {@code selector} */
    String getBackend();

    /** @return the bound address, e.g. {@code /127.0.0.1:7007} */
    String getAddress();
}
