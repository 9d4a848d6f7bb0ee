package io.loomux.docs;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * README.md's example project, built by Maven from its marked blocks as a user would write it,
 * and each of its programs run and served: a snippet that does not compile, or a {@code main}
 * that exits instead of serving, fails the build.
 */
public class ReadmeSnippetsTest {

    private static final String BUILD_CLASSPATH =
            "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath";
    private static final Duration START = Duration.ofSeconds(30);

    private UserProject project;
    private String classPath;

    @BeforeClass
    public void buildTheExampleProject() throws Exception {
        project = UserProject.write(Checkout.root().resolve("README.md"), "readme");
        classPath = compile(project.dir());
    }

    /** Compiles {@code dir} with Maven and returns its class path, classes first. */
    private static String compile(Path dir) throws Exception {
        ChildMaven.run(dir, "-q", "compile", BUILD_CLASSPATH, "-Dmdep.outputFile=cp.txt")
                .requireSuccess("building the example project in " + dir);
        return dir.resolve("target/classes") + java.io.File.pathSeparator + Files.readString(dir.resolve("cp.txt")).trim();
    }

    @DataProvider
    public Object[][] programs() {
        List<Object[]> rows = new ArrayList<>();
        for (MarkdownBlocks.Block b : project.files()) {
            if (b.attributes().containsKey("run")) {
                rows.add(new Object[] {UserProject.className(b), b});
            }
        }
        return rows.toArray(Object[][]::new);
    }

    @Test
    public void theReadmeHasProgramsToRun() {
        assertTrue(programs().length >= 4, "README.md's runnable examples: " + Arrays.deepToString(programs()));
    }

    @Test(dataProvider = "programs")
    public void runsAndKeepsServingAsShown(String mainClass, MarkdownBlocks.Block block) throws Exception {
        String[] run = block.attributes().get("run").split(":");
        int port = Integer.parseInt(run[1]);
        requireFree(port, block);
        Path log = project.dir().resolve(mainClass + ".log");
        Process process = new ProcessBuilder(ChildProcess.java(), "--enable-native-access=ALL-UNNAMED", "-cp", classPath, mainClass)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(START).until(() -> !process.isAlive() || accepts(port));
            assertTrue(process.isAlive(), block.where() + ": " + mainClass + " exited (" + exit(process)
                    + ") instead of serving; it printed:\n" + Files.readString(log, UTF_8));
            switch (run[0]) {
                case "echo" -> {
                    echoes(port);
                    echoes(port);
                }
                case "ws" -> {
                    wsEchoes(port);
                    wsEchoes(port);
                }
                case "http" -> {
                    getsHello(port);
                    assertTrue(Files.readString(log, UTF_8).contains("serving on io.loomux.http."),
                            "the program's HttpServer is not loomux's: " + Files.readString(log, UTF_8));
                }
                default -> throw new AssertionError(block.where() + ": unknown run kind " + run[0]);
            }
            assertTrue(process.isAlive(), mainClass + " stopped after serving; it printed:\n" + Files.readString(log, UTF_8));
        } finally {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    /** Without loomux-http in the pom, the JDK's own HttpServer provider is the program's. */
    @Test
    public void theTcpServerAloneLeavesTheJdksHttpServerAlone() throws Exception {
        String pom = Files.readString(project.dir().resolve("pom.xml"), UTF_8);
        String withoutHttp = pom.replaceAll("(?s)<dependency>\\s*(<!--[^>]*-->)?\\s*<groupId>io.loomux</groupId>\\s*"
                + "<artifactId>loomux-http</artifactId>\\s*</dependency>", "");
        assertFalse(withoutHttp.contains("loomux-http"), "could not take loomux-http out of README.md's pom");
        Path dir = Path.of("target", "user-projects", "server-only").toAbsolutePath();
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pom.xml"), withoutHttp);
        Path which = dir.resolve("Which.java");
        Files.writeString(which, """
                public class Which {
                    public static void main(String[] args) {
                        System.out.println(com.sun.net.httpserver.spi.HttpServerProvider.provider().getClass().getName());
                    }
                }
                """);
        String cp = compile(dir);
        assertTrue(cp.contains("loomux-server"), cp);
        assertFalse(cp.contains("loomux-http"), "loomux-server brought loomux-http: " + cp);
        assertEquals(runSource(cp, which), "sun.net.httpserver.DefaultHttpServerProvider");
        assertEquals(runSource(classPath, which), "io.loomux.http.LoomuxHttpServerProvider");
    }

    private static String runSource(String cp, Path source) throws Exception {
        return ChildProcess.run(source.getParent(), Duration.ofMinutes(1),
                List.of(ChildProcess.java(), "-cp", cp, source.toString()))
                .requireSuccess("the source launcher").output().trim();
    }

    private static void echoes(int port) throws IOException {
        byte[] sent = new byte[4096];
        new Random(port).nextBytes(sent);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(sent);
            s.shutdownOutput();
            try (InputStream in = s.getInputStream()) {
                assertEquals(in.readAllBytes(), sent, "the echo differs from what was sent");
            }
        }
    }

    /** A text and a binary message to ws://127.0.0.1:PORT/echo, through the JDK's WebSocket client, each echoed whole. */
    private static void wsEchoes(int port) throws Exception {
        BlockingQueue<Object> got = new LinkedBlockingQueue<>();
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();
            private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    got.add(text.toString());
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                binary.writeBytes(b);
                if (last) {
                    got.add(binary.toByteArray());
                    binary.reset();
                }
                ws.request(1);
                return null;
            }
        };
        byte[] sent = new byte[4096];
        new Random(port).nextBytes(sent);
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/echo"), listener)
                    .get(10, TimeUnit.SECONDS);
            try {
                ws.sendText("hello, WebSocket", true).get(10, TimeUnit.SECONDS);
                assertEquals(got.poll(10, TimeUnit.SECONDS), "hello, WebSocket");
                ws.sendBinary(ByteBuffer.wrap(sent.clone()), true).get(10, TimeUnit.SECONDS);
                assertEquals((byte[]) got.poll(10, TimeUnit.SECONDS), sent);
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
            } finally {
                ws.abort();
            }
        }
    }

    private static void getsHello(int port) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(r.statusCode(), 200);
            assertEquals(r.body(), "hello\n");
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireFree(int port, MarkdownBlocks.Block block) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new AssertionError(block.where() + " serves on port " + port
                    + ", which something else on this machine holds: " + e.getMessage());
        }
    }

    private static String exit(Process p) {
        return p.isAlive() ? "still running" : "status " + p.exitValue();
    }

}
