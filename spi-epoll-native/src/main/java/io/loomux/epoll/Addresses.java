package io.loomux.epoll;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Converts between {@link InetSocketAddress} and what the C side takes and gives: raw address
 * bytes, a port and an IPv6 scope id. Cheaper and simpler than building Java objects in C.
 */
final class Addresses {

    private Addresses() {
    }

    /**
     * @param a a resolved address
     * @return true if a socket for it must be AF_INET6
     */
    static boolean isIpv6(InetSocketAddress a) {
        return a.getAddress() instanceof Inet6Address;
    }

    /**
     * @param a a resolved address
     * @return its scope id, 0 for none or IPv4
     */
    static int scopeId(InetSocketAddress a) {
        return a.getAddress() instanceof Inet6Address v6 ? v6.getScopeId() : 0;
    }

    /**
     * @param a a socket address
     * @return the address, resolved
     * @throws UnknownHostException if it is unresolved
     */
    static InetAddress resolved(InetSocketAddress a) throws UnknownHostException {
        InetAddress ip = a.getAddress();
        if (ip == null) {
            throw new UnknownHostException("unresolved address: " + a.getHostString());
        }
        return ip;
    }

    /**
     * @param enc {@link Native#SOCKADDR_BYTES} bytes as the C side encodes a sockaddr
     * @return the address; an IPv4-mapped IPv6 address comes back as IPv4, as the JDK reports it
     * @throws UnknownHostException never in practice (lengths are fixed)
     */
    static InetSocketAddress decode(byte[] enc) throws UnknownHostException {
        int port = ((enc[1] & 0xFF) << 8) | (enc[2] & 0xFF);
        int scope = ((enc[4] & 0xFF) << 24) | ((enc[5] & 0xFF) << 16) | ((enc[6] & 0xFF) << 8) | (enc[7] & 0xFF);
        int len = enc[0] == 6 ? 16 : 4;
        byte[] ip = new byte[len];
        System.arraycopy(enc, 8, ip, 0, len);
        InetAddress address;
        if (len == 16 && scope != 0) {
            address = Inet6Address.getByAddress(null, ip, scope);
        } else {
            address = InetAddress.getByAddress(ip);
        }
        return new InetSocketAddress(address, port);
    }
}
