package io.loomux.cli;

import io.loomux.server.TcpServer;
import org.testng.annotations.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

public class EchoHandlerTest {

    @org.testng.annotations.DataProvider(name = "modes")
    public static Object[][] modes() {
        return new Object[][] {{false}, {true}};
    }

    /** @param releaseIdle a thread per connection, or turns ({@code --release-idle}) */
    @Test(dataProvider = "modes")
    public void echoesABulkStreamIntact(boolean releaseIdle) throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        try (TcpServer server = Main.startEcho(new Main.EchoOptions(0, InetAddress.getByName("127.0.0.1"), null, 0, 10,
                releaseIdle));
             Socket s = new Socket()) {
            s.connect(server.address(), 5000);
            s.setSoTimeout(5000);
            CompletableFuture<Void> sent = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(data); // while the test thread reads: no deadlock
                    s.shutdownOutput();
                    sent.complete(null);
                } catch (IOException e) {
                    sent.completeExceptionally(e);
                }
            });
            byte[] back = s.getInputStream().readAllBytes(); // ends when the server closes
            sent.get(5, TimeUnit.SECONDS);
            assertEquals(back.length, data.length);
            assertTrue(Arrays.equals(back, data));
        }
    }
}
