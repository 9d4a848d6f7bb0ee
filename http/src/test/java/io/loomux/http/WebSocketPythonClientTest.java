package io.loomux.http;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.loomux.http.websocket.WebSocketSettings;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Python's {@code websockets} (Debian's python3-websockets), a client people use, against a loomux
 * echo on every backend over ws and wss, in the blocking style and in turns, plain and with
 * permessage-deflate (with and without the server's context takeover): {@code ws_echo_client.py}
 * sends text and binary messages of random sizes up to 1 MiB, compares every echo, and ends with
 * the close handshake, which must close with 1000; with deflate, the extension must have been
 * agreed. Skipped, saying why, where Debian's python3 or its websockets is missing
 * (CI installs them).
 */
public class WebSocketPythonClientTest {

    /** Debian's own: a pyenv or venv first on PATH may lack the package. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** Messages a connection exchanges; fewer with deflate, where zlib's time dominates. */
    private static final int MESSAGES = 1000;
    private static final int DEFLATE_MESSAGES = 100;
    private static final int MOST = 1 << 20;

    @DataProvider
    public static Object[][] backendsAndSchemes() {
        // Each scheme, style and deflate mode at least once, not every combination: the frame
        // and JDK-client tests cross them all.
        return HttpProviders.loomuxWith(new Object[] {"ws", "blocking", "plain"},
                new Object[] {"wss", "turns", "plain"}, new Object[] {"wss", "blocking", "deflate"},
                new Object[] {"ws", "turns", "deflate-no-context"});
    }

    @Test(dataProvider = "backendsAndSchemes")
    public void everyMessageComesBackWhole(Impl impl, String scheme, String style, String deflate) throws Exception {
        HttpProviders.require(impl);
        Path script = script();
        boolean tls = scheme.equals("wss");
        HttpServer server = impl.server(tls);
        WebSocketSettings settings = WebSocketSettings.builder().permessageDeflate(!deflate.equals("plain"))
                .deflateNoContextTakeover(deflate.equals("deflate-no-context")).build();
        server.createContext("/echo", WebSocketFramesTest.echo(style, settings));
        server.start();
        try {
            String uri = scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/echo";
            String seed = Integer.toString((impl + scheme + style + deflate).hashCode());
            int count = deflate.equals("plain") ? MESSAGES : DEFLATE_MESSAGES;
            List<String> args = new ArrayList<>(List.of(script.toString(), uri, Integer.toString(count),
                    Integer.toString(MOST), seed));
            if (!deflate.equals("plain")) {
                args.add("--deflate");
            }
            String out = Commands.run(PYTHON, args.toArray(String[]::new));
            assertTrue(out.startsWith("ok " + count + " messages"), out);
            assertEquals(out.contains("PerMessageDeflate"), !deflate.equals("plain"), out);
        } finally {
            server.stop(0);
            Files.deleteIfExists(script);
        }
    }

    private static Path script() throws Exception {
        if (!Files.isExecutable(PYTHON)) {
            throw new SkipException("no " + PYTHON + " on this machine");
        }
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import websockets").redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new SkipException("no Python websockets here (Debian's python3-websockets)");
        }
        Path script = Files.createTempFile("ws_echo_client", ".py");
        try (InputStream in = WebSocketPythonClientTest.class.getResourceAsStream("/ws_echo_client.py")) {
            Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
        }
        return script;
    }
}
