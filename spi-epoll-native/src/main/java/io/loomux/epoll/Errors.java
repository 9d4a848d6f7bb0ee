package io.loomux.epoll;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

/**
 * Turns a native {@code -errno} into the exception a {@code java.net} socket would throw. Where
 * the JDK has a fixed text ("Connection reset", "Broken pipe", "Connection refused", "Too many
 * open files") the message is exactly that text, because programs compare it; the system call
 * and errno are then named by the exception's cause. Other errors name the call in the message.
 */
final class Errors {

    private Errors() {
    }

    /**
     * @param call   the system call, e.g. {@code "read"}, {@code "accept4"}
     * @param result a negative native result ({@code -errno}) or a positive errno
     * @return the exception to throw
     */
    static IOException exception(String call, long result) {
        int errno = (int) Math.abs(result);
        if (errno == Sys.ECONNRESET) {
            return named(new SocketException("Connection reset"), call, errno);
        }
        if (errno == Sys.EPIPE) {
            return named(new SocketException("Broken pipe"), call, errno);
        }
        if (errno == Sys.ECONNREFUSED) {
            return named(new ConnectException("Connection refused"), call, errno);
        }
        if (errno == Sys.ETIMEDOUT && call.startsWith("connect")) {
            return named(new ConnectException("Connection timed out"), call, errno);
        }
        if (errno == Sys.EHOSTUNREACH) {
            return named(new NoRouteToHostException("No route to host"), call, errno);
        }
        if (errno == Sys.EMFILE) {
            return named(new SocketException("Too many open files"), call, errno);
        }
        if (errno == Sys.ENFILE) {
            return named(new SocketException("Too many open files in system"), call, errno);
        }
        String text = call + ": " + describe(errno);
        if (errno == Sys.EADDRINUSE || errno == Sys.EADDRNOTAVAIL) {
            return new BindException(text);
        }
        return new SocketException(text);
    }

    private static IOException named(IOException e, String call, int errno) {
        e.initCause(new IOException(call + ": " + describe(errno)));
        return e;
    }

    /**
     * @param errno a positive errno
     * @return the C library's text and the number, e.g. "Bad file descriptor (errno 9)"
     */
    static String describe(int errno) {
        String text;
        try {
            text = Native.strerror(errno);
        } catch (LinkageError e) {
            text = "error";
        }
        return text + " (errno " + errno + ")";
    }
}
