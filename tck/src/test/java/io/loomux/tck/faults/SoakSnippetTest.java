package io.loomux.tck.faults;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.selector.SelectorMultiplexerProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import org.testng.annotations.Test;

/**
 * The snippet of docs/writing-a-plugin.md ("Soaking your plugin with the fault injector"), with
 * the Selector backend for {@code MyProvider}, so that the page shows code that compiles and runs.
 */
public class SoakSnippetTest {

    @Test
    public void theSoakSnippetRuns() throws IOException {
        long seed = Long.getLong("soak.seed", System.nanoTime());
        FaultInjectingProvider faults = new FaultInjectingProvider(new SelectorMultiplexerProvider(), seed,
                FaultPlan.defaults().toBuilder().rate(Fault.RESET, 5).build());
        try (Loomux loomux = Loomux.builder().provider(faults).build();
             Listener listener = loomux.listen(new InetSocketAddress("127.0.0.1", 0))) {
            try (Connection client = loomux.connect(listener.localAddress(), Duration.ofSeconds(10));
                 Connection server = acceptRetrying(listener)) {
                ByteBuffer in = ByteBuffer.allocate(5);
                try {
                    client.write(ByteBuffer.wrap("hello".getBytes()));
                    server.setReadTimeout(Duration.ofSeconds(10));
                    for (int i = 0; i < 100 && in.hasRemaining(); i++) {
                        if (server.read(in) < 0) {
                            break;
                        }
                    }
                    assertEquals(new String(in.array()), "hello", faults.counts().toString());
                } catch (IOException e) {
                    assertTrue(faults.faulted(client.localAddress(), client.remoteAddress()), e + "; " + faults.counts());
                }
            }
        }
        assertTrue(faults.counts().toString().contains("seed 0x" + Long.toHexString(seed)), faults.counts().toString());
    }

    /** Accept, retried after an injected "Too many open files" (a storm is at most 8 long). */
    private static Connection acceptRetrying(Listener listener) throws IOException {
        for (int i = 0; ; i++) {
            try {
                return listener.accept(Duration.ofSeconds(10));
            } catch (java.net.SocketException e) {
                if (i >= 20 || !String.valueOf(e.getMessage()).contains("Too many open files")) {
                    throw e;
                }
            }
        }
    }
}
