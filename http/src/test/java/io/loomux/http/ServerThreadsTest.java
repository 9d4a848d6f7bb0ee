package io.loomux.http;

import static io.loomux.http.Clients.assertResponse;
import static io.loomux.http.Clients.get;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertFalse;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.testng.annotations.Test;

/**
 * The threads a started server holds. As with the JDK's own server, a program whose main returns
 * after {@code start()} goes on serving: the server holds a thread that is not a daemon until it
 * stops. (loomux's accept loop is a virtual thread, always a daemon, so that connections it
 * starts go onto the carriers' own queues; a platform thread of its own keeps the JVM up.)
 */
public class ServerThreadsTest {

    private static final int TIMEOUT = 30_000;

    @Test(dataProvider = "all", dataProviderClass = HttpProviders.class, timeOut = TIMEOUT)
    public void aStartedServerHoldsTheJvmUpUntilItStops(Impl impl) throws Exception {
        HttpProviders.require(impl);
        Set<Thread> before = nonDaemonThreads();
        Set<Thread> held = new HashSet<>();
        Servers.unstarted(impl, server -> {
            server.createContext("/", ServerThreadsTest::hello);
            server.start();
            held.addAll(nonDaemonThreads());
            held.removeAll(before);
            assertFalse(held.isEmpty(), "a started server holds no thread that keeps the JVM up");
            Servers.client(server, (s, client) -> assertResponse(get(client, s, "/"), 200, "hello"));
        });
        // Servers.unstarted has stopped the server.
        await().atMost(Duration.ofSeconds(10)).until(() -> held.stream().noneMatch(Thread::isAlive));
    }

    private static void hello(HttpExchange x) throws IOException {
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(200, body.length);
        try (OutputStream os = x.getResponseBody()) {
            os.write(body);
        }
    }

    private static Set<Thread> nonDaemonThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.isDaemon() && t.isAlive()) {
                threads.add(t);
            }
        }
        return threads;
    }
}
