package io.loomux.http;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.util.List;

/**
 * One server for one scenario: made on 127.0.0.1, set up, started, handed to the test, and
 * stopped in a {@code finally} however the test ends. The tests say only what differs: their
 * contexts, and what they do with the running server.
 */
final class Servers {

    private Servers() {
    }

    /**
     * What a test does to its server before the start: contexts, filters, an executor.
     *
     * @param <S> the server's type
     */
    @FunctionalInterface
    interface Setup<S extends HttpServer> {
        void on(S server) throws Exception;
    }

    /**
     * What a test does with its server.
     *
     * @param <S> the server's type
     */
    @FunctionalInterface
    interface Run<S extends HttpServer> {
        void run(S server) throws Exception;
    }

    /** What a test does over one raw connection to its started server. */
    @FunctionalInterface
    interface RawRun {
        void run(RawHttp c) throws Exception;
    }

    /** What a test does with its started server and an HTTP/1.1 client. */
    @FunctionalInterface
    interface ClientRun {
        void run(HttpServer server, HttpClient client) throws Exception;
    }

    /** @return a set-up that creates the one context */
    static Setup<HttpServer> context(String path, HttpHandler handler) {
        return s -> s.createContext(path, handler);
    }

    /**
     * @param impl     a loomux implementation
     * @param settings settings of the test's own
     * @return an unstarted server bound to 127.0.0.1 on a free port, with those settings
     */
    static HttpServer withSettings(Impl impl, HttpServerSettings settings) throws IOException {
        return HttpProviders.withSettings(impl, settings)
                .createHttpServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    }

    /** Runs the test on the server, unstarted as it is, and stops the server after it. */
    static <S extends HttpServer> void stopAfter(S server, Run<? super S> test) throws Exception {
        try {
            test.run(server);
        } finally {
            server.stop(0);
        }
    }

    /** Skips the test if the implementation cannot run here; else runs it on an unstarted server, stopped after. */
    static void unstarted(Impl impl, Run<HttpServer> test) throws Exception {
        HttpProviders.require(impl);
        stopAfter(impl.server(), test);
    }

    /** Sets the server up, starts it, runs the test and stops the server. */
    static <S extends HttpServer> void run(S server, Setup<? super S> setup, Run<? super S> test) throws Exception {
        stopAfter(server, s -> {
            setup.on(s);
            s.start();
            test.run(s);
        });
    }

    /** Skips the test if the implementation cannot run here; else as {@link #run(HttpServer, Setup, Run)}. */
    static void run(Impl impl, Setup<HttpServer> setup, Run<HttpServer> test) throws Exception {
        HttpProviders.require(impl);
        run(impl.server(), setup, test);
    }

    /** As {@link #run(Impl, Setup, Run)}, the test working over one raw connection. */
    static void raw(Impl impl, Setup<HttpServer> setup, RawRun test) throws Exception {
        run(impl, setup, server -> raw(server, test));
    }

    /** Runs the test over a raw connection to the started server, closed after it. */
    static void raw(HttpServer server, RawRun test) throws Exception {
        try (RawHttp c = RawHttp.connect(server)) {
            test.run(c);
        }
    }

    /** As {@link #run(Impl, Setup, Run)}, the test given an HTTP/1.1 client, closed after it. */
    static void client(Impl impl, Setup<HttpServer> setup, ClientRun test) throws Exception {
        if (!impl.http2()) {
            run(impl, setup, server -> client(server, test));
            return;
        }
        run(impl, setup, server -> {
            try (RecordingClient client = new RecordingClient(Clients.http2())) {
                test.run(server, client);
                assertServedHttp2(client.seen());
            }
        });
    }

    /**
     * Over h2c every response must have come over HTTP/2, but for a request whose upgrade the
     * server declines as the RFC allows (a body of unknown length or larger than a stream's
     * window, or one awaiting 100 Continue), which HTTP/1.1 serves, as it serves the connection's
     * later requests: a silent fall-back would make the suite test nothing new.
     */
    private static void assertServedHttp2(List<RecordingClient.Seen> seen) {
        for (RecordingClient.Seen s : seen) {
            long length = s.request().bodyPublisher().map(java.net.http.HttpRequest.BodyPublisher::contentLength)
                    .orElse(0L);
            if (length < 0 || length > 65_535 || s.request().expectContinue()) {
                return;
            }
            if (s.version() != HttpClient.Version.HTTP_2) {
                throw new AssertionError(s.request() + " was answered over " + s.version() + ", not HTTP/2");
            }
        }
    }

    /** Runs the test with an HTTP/1.1 client of the started server, closed after it. */
    static void client(HttpServer server, ClientRun test) throws Exception {
        try (HttpClient client = Clients.http11()) {
            test.run(server, client);
        }
    }
}
