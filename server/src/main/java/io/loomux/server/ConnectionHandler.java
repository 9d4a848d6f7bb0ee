package io.loomux.server;

import io.loomux.Connection;

/**
 * Serves one connection, in plain blocking style, on a virtual thread of its own.
 *
 * <p>The server closes the connection when {@link #handle} returns or throws; a handler need not
 * close it (closing it earlier is fine, and frees its place under
 * {@link TcpServer.Builder#maxConnections(int)} at once). A thrown exception is logged and
 * affects no other connection.
 */
@FunctionalInterface
public interface ConnectionHandler {

    /**
     * Serves a connection until done.
     *
     * @param c the accepted connection, with the server's timeouts and options applied
     * @throws Exception anything; logged by the server, which then closes the connection
     */
    void handle(Connection c) throws Exception;
}
