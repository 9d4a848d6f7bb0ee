package io.loomux.bench.soak;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.loomux.Loomux;
import io.loomux.http.HttpServerSettings;
import io.loomux.http.LoomuxHttpServerProvider;
import io.loomux.server.TcpServer;
import io.loomux.spi.MultiplexerProvider;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The servers under soak, in this JVM: for every backend {@link ServiceLoader} finds and that
 * can run here, one server of each {@link Kind}, each on a runtime of its own (one poller) built
 * on the provider {@link Faults#serveOn} gives, so that faults are injected per server and
 * reproducibly from the seed.
 */
final class SoakServers implements AutoCloseable {

    /** Short, so that a head sent a byte a second is cut within a round. */
    static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    /** A safety net only: every soak client ends its connections itself within a round. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final List<Target> targets = new ArrayList<>();
    private final List<TcpServer> tcp = new ArrayList<>();
    private final List<HttpServer> http = new ArrayList<>();
    private final List<Loomux> runtimes = new ArrayList<>();

    private SoakServers() {
    }

    /**
     * Starts the servers.
     *
     * @param echo the echo every server runs (a test may hand one that breaks on purpose)
     * @param log  where the backends found and skipped are named
     * @throws IOException if no backend can run here, or a server cannot start
     */
    static SoakServers start(Faults faults, long seed, Echo echo, Certificates certificates, PrintStream log)
            throws IOException {
        SoakServers s = new SoakServers();
        try {
            int place = 0;
            for (MultiplexerProvider p : ServiceLoader.load(MultiplexerProvider.class)) {
                if (!p.availability().available()) {
                    log.println("soak: backend " + p.name() + " skipped: " + p.availability().reason());
                    continue;
                }
                for (Kind kind : Kind.values()) {
                    Loomux runtime = Loomux.builder().provider(faults.serveOn(p, Pattern.mix(seed + place++)))
                            .pollers(1).build();
                    s.runtimes.add(runtime);
                    s.targets.add(s.serve(p.name() + "/" + kind.label(), kind, runtime, echo, certificates));
                }
            }
            if (s.targets.isEmpty()) {
                throw new IOException("no loomux backend can run here: ServiceLoader found "
                        + ServiceLoader.load(MultiplexerProvider.class).stream().map(x -> x.get().name()).toList());
            }
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private Target serve(String name, Kind kind, Loomux runtime, Echo echo, Certificates certificates)
            throws IOException {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (!kind.http()) {
            TcpServer.Builder b = TcpServer.builder().loomux(runtime).address(any).jmx(false)
                    .maxConnections(10_000).idleTimeout(IDLE_TIMEOUT);
            TcpServer server = (kind == Kind.ECHO_TURNS ? b.readableHandler(echo) : b.handler(echo)).start();
            tcp.add(server);
            return new Target(name, kind, server.address(), null, () -> server.stats().active());
        }
        LoomuxHttpServerProvider provider = new LoomuxHttpServerProvider(runtime,
                HttpServerSettings.builder().headerTimeout(HEADER_TIMEOUT).build());
        HttpServer server;
        if (kind.tls()) {
            HttpsServer https = provider.createHttpsServer(any, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(certificates.server()));
            server = https;
        } else {
            server = provider.createHttpServer(any, 0);
        }
        server.createContext("/echo", echo);
        http.add(server);
        server.start();
        return new Target(name, kind, server.getAddress(), kind.tls() ? certificates.client() : null, () -> -1);
    }

    List<Target> targets() {
        return List.copyOf(targets);
    }

    /** @return true if every server that counts its connections has none open */
    boolean noneActive() {
        return targets.stream().allMatch(t -> t.active().getAsLong() <= 0);
    }

    /** Stops every server and closes their runtimes; waits at most a second for handlers. */
    @Override
    public void close() {
        for (TcpServer s : tcp) {
            try {
                s.shutdown(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (HttpServer s : http) {
            s.stop(0);
        }
        for (Loomux r : runtimes) {
            try {
                r.close();
            } catch (IOException e) {
                // closing at the end: nothing to do with a failure but go on closing the rest
            }
        }
    }
}
