package io.loomux.cli;

import org.testng.annotations.AfterClass;
import org.testng.annotations.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

/**
 * {@code hello} and {@code serve} speak HTTP/2 beside HTTP/1.1 (h2c on HTTP, h2 through ALPN
 * with {@code --tls}), and HTTP/1.1 alone with {@code --no-http2} or on the JDK's server; HTTPS
 * with a certificate made at start or from a keystore; a keystore that cannot serve is one line
 * and status 2.
 */
public class Http2AndTlsTest {

    private static final Duration START = Duration.ofSeconds(30);
    private static final Pattern LISTENS = Pattern.compile("hello server on 127\\.0\\.0\\.1:(\\d+) ");

    /** The test's temporary directories (keystores among them), deleted after the class. */
    private final List<Path> made = new CopyOnWriteArrayList<>();

    private Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        made.add(dir);
        return dir;
    }

    @AfterClass(alwaysRun = true)
    public void deleteTempDirs() throws IOException {
        for (Path dir : made) {
            // Deepest first; the child's temporary directory may hold what its JVM put there.
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(f);
                }
            }
        }
    }

    private static HttpClient client(SSLContext tls) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .connectTimeout(Duration.ofSeconds(5));
        return (tls != null ? b.sslContext(tls) : b).build();
    }

    private static HttpResponse<String> get(HttpClient c, String url) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** GETs {@code url}, expecting the hello text over {@code version}. */
    private static void assertHello(HttpClient c, String url, HttpClient.Version version) throws Exception {
        HttpResponse<String> h = get(c, url);
        assertEquals(h.version(), version, url);
        assertEquals(h.statusCode(), 200, url);
        assertEquals(h.body(), "Hello, world!\n", url);
    }

    /** Waits until the child's output holds {@code ready}; returns the port its banner names. */
    private static String listening(CliChild child, String ready) throws Exception {
        await().atMost(START).alias("hello says it listens").until(() -> child.out().contains(ready));
        Matcher m = LISTENS.matcher(child.out());
        assertTrue(m.find(), child.out() + child.err());
        return m.group(1);
    }

    private static int port(HttpCommands.Running r) {
        return r.server().getAddress().getPort();
    }

    /**
     * Sends the HTTP/2 client preface and an empty SETTINGS frame, as a client with prior
     * knowledge does, and returns the first 9 bytes of the answer (a frame header, if HTTP/2).
     */
    private static byte[] priorKnowledge(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            out.flush();
            return s.getInputStream().readNBytes(9);
        }
    }

    @Test(timeOut = 60_000)
    public void helloServesH2cWithPriorKnowledgeAndThroughUpgrade() throws Exception {
        try (HttpCommands.Running r = HttpCommands.startHello(HttpCommands.parseHello(List.of("-p", "0", "-b",
                "127.0.0.1"))); HttpClient c = client(null)) {
            assertEquals(r.protocols(), "HTTP/1.1 and HTTP/2 (h2c)");
            byte[] head = priorKnowledge(port(r));
            assertEquals(head.length, 9, "a frame header: " + Arrays.toString(head));
            assertEquals(head[3], (byte) 4, "the server's SETTINGS first: " + Arrays.toString(head));
            assertEquals(Arrays.copyOfRange(head, 5, 9), new byte[4], "on stream 0");

            // The JDK's client sends 'Upgrade: h2c' to an http:// URL.
            assertHello(c, "http://127.0.0.1:" + port(r) + "/", HttpClient.Version.HTTP_2);
            assertHello(c, "http://127.0.0.1:" + port(r) + "/again", HttpClient.Version.HTTP_2);
        }
    }

    @Test(timeOut = 60_000)
    public void noHttp2ServesHttp11Alone() throws Exception {
        try (HttpCommands.Running r = HttpCommands.startHello(HttpCommands.parseHello(List.of("-p", "0", "-b",
                "127.0.0.1", "--no-http2"))); HttpClient c = client(null)) {
            assertEquals(r.protocols(), "HTTP/1.1");
            assertHello(c, "http://127.0.0.1:" + port(r) + "/", HttpClient.Version.HTTP_1_1);
            String answer = new String(priorKnowledge(port(r)), StandardCharsets.US_ASCII);
            assertEquals(answer, "HTTP/1.1 ", "the preface is a bad HTTP/1.1 request");
        }
    }

    @Test(timeOut = 60_000)
    public void serveServesHttp2OverH2cAndOverTls() throws Exception {
        Path dir = tempDir("loomux-serve-h2");
        Files.writeString(dir.resolve("a.txt"), "served");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try (HttpCommands.Running r = HttpCommands.startServe(HttpCommands.parseServe(List.of(dir.toString(), "-p",
                "0")), quiet); HttpClient c = client(null)) {
            HttpResponse<String> h = get(c, "http://127.0.0.1:" + port(r) + "/a.txt");
            assertEquals(h.version(), HttpClient.Version.HTTP_2);
            assertEquals(h.body(), "served");
        }
        Recording trust = new Recording();
        try (HttpCommands.Running r = HttpCommands.startServe(HttpCommands.parseServe(List.of(dir.toString(), "-p",
                "0", "--tls")), quiet); HttpClient c = client(trust.context())) {
            assertTrue(r.tls().selfSigned());
            HttpResponse<String> h = get(c, "https://127.0.0.1:" + port(r) + "/a.txt");
            assertEquals(h.version(), HttpClient.Version.HTTP_2, "h2 through ALPN");
            assertEquals(h.body(), "served");
        }
    }

    /**
     * In a child, as a user runs it: a certificate made at start, self-signed, for 127.0.0.1,
     * whose temporary files are gone once the server says it listens.
     */
    @Test(timeOut = 90_000)
    public void helloWithTlsServesH2WithASelfSignedCertificateMadeAtStart() throws Exception {
        Path tmp = tempDir("loomux-child-tmp");
        Recording trust = new Recording();
        try (CliChild child = CliChild.start(List.of("-Djava.io.tmpdir=" + tmp),
                List.of("hello", "-p", "0", "-b", "127.0.0.1", "--tls"), Map.of());
             HttpClient c = client(trust.context())) {
            String port = listening(child, "Certificate:");
            String banner = child.out();
            assertTrue(banner.contains("HTTPS: HTTP/1.1 and HTTP/2 (h2, through ALPN)"), banner);
            assertTrue(banner.contains("self-signed") && banner.contains("for testing only"), banner);
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(left.filter(p -> p.getFileName().toString().startsWith("loomux-tls")).toList(),
                        List.of(), "keytool's directory, deleted after loading");
            }

            assertHello(c, "https://127.0.0.1:" + port + "/", HttpClient.Version.HTTP_2);
            X509Certificate[] chain = trust.chain.get();
            assertNotNull(chain, "the client saw the server's certificate");
            assertEquals(chain.length, 1, "self-signed: no issuer's certificate");
            assertEquals(chain[0].getIssuerX500Principal(), chain[0].getSubjectX500Principal());
            chain[0].verify(chain[0].getPublicKey());
            assertTrue(chain[0].getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("127.0.0.1")),
                    String.valueOf(chain[0].getSubjectAlternativeNames()));
            child.terminate();
            assertEquals(child.err(), "", "what the server wrote to stderr");
        }
    }

    /**
     * The keystore the test makes is the one served (a client trusting its certificate alone
     * gets through), its password taken from the environment variable; no self-signed notice.
     */
    @Test(timeOut = 90_000)
    public void helloWithTlsServesTheKeystoreGivenWithItsPasswordFromTheEnvironment() throws Exception {
        Path dir = tempDir("loomux-keystore");
        X509Certificate mine = keystore(dir.resolve("server.p12"), "env-secret");
        try (CliChild child = CliChild.start(List.of(), List.of("hello", "-p", "0", "-b", "127.0.0.1", "--tls",
                "--keystore", dir.resolve("server.p12").toString()), Map.of(ProtocolOptions.PASSWORD_ENV, "env-secret"));
             HttpClient c = client(trusting(mine))) {
            String port = listening(child, "hello server on");
            assertFalse(child.out().contains("self-signed"), child.out());
            assertHello(c, "https://127.0.0.1:" + port + "/", HttpClient.Version.HTTP_2);
        }
    }

    /** {@code --keystore-password} on the command line; with {@code --no-http2}, ALPN agrees on HTTP/1.1. */
    @Test(timeOut = 60_000)
    public void keystorePasswordOptionAndNoHttp2OverTls() throws Exception {
        Path dir = tempDir("loomux-keystore");
        Path store = dir.resolve("server.p12");
        X509Certificate mine = keystore(store, "opt-secret");
        HttpCommands.HelloOptions o = HttpCommands.parseHello(List.of("-p", "0", "-b", "127.0.0.1", "--tls",
                "--keystore", store.toString(), "--keystore-password", "opt-secret", "--no-http2"), name -> null);
        try (HttpCommands.Running r = HttpCommands.startHello(o); HttpClient c = client(trusting(mine))) {
            assertEquals(r.protocols(), "HTTPS: HTTP/1.1");
            assertFalse(r.tls().selfSigned());
            assertHello(c, "https://127.0.0.1:" + port(r) + "/", HttpClient.Version.HTTP_1_1);
        }
        assertEquals(HttpCommands.parseHello(List.of("--tls", "--keystore", store.toString(), "--keystore-password",
                "flag"), name -> "env").protocols().password(), "flag", "the option rules over the environment");
        assertFalse(o.toString().contains("opt-secret"), "the password stays out of toString: " + o);
    }

    /** The JDK's server speaks HTTPS too, HTTP/1.1 alone, and its banner claims no more. */
    @Test(timeOut = 90_000)
    public void helloOnTheJdkWithTlsIsHttp11() throws Exception {
        try (CliChild child = CliChild.start(List.of("hello", "-p", "0", "-b", "127.0.0.1", "--server", "jdk",
                "--tls")); HttpClient c = client(new Recording().context())) {
            String port = listening(child, "Certificate:");
            assertTrue(child.out().contains("HttpServer, default executor): HTTPS: HTTP/1.1\n"), child.out());
            assertHello(c, "https://127.0.0.1:" + port + "/", HttpClient.Version.HTTP_1_1);
        }
    }

    /** Each is one line on stderr, status 2, with the hint; and nothing starts listening. */
    @Test(timeOut = 60_000)
    public void aKeystoreThatCannotServeIsOneLineAndStatus2() throws Exception {
        Path dir = tempDir("loomux-keystore");
        Path store = dir.resolve("server.p12");
        X509Certificate cert = keystore(store, "right");
        Path text = Files.writeString(dir.resolve("text.p12"), "not a keystore");
        Path certsOnly = dir.resolve("certs.p12");
        KeyStore trustOnly = KeyStore.getInstance("PKCS12");
        trustOnly.load(null, null);
        trustOnly.setCertificateEntry("c", cert);
        try (OutputStream out = Files.newOutputStream(certsOnly)) {
            trustOnly.store(out, "right".toCharArray());
        }
        Object[][] cases = {
            {List.of("--keystore", dir.resolve("missing.p12").toString()), "keystore '" + dir.resolve("missing.p12")
                    + "' does not exist"},
            {List.of("--keystore", dir.toString()), "keystore '" + dir + "' is not a file"},
            {List.of("--keystore", text.toString(), "--keystore-password", "right"), "keystore '" + text
                    + "' is not a PKCS12 or JKS keystore"},
            {List.of("--keystore", store.toString(), "--keystore-password", "wrong"), "wrong password for keystore '"
                    + store + "'"},
            {List.of("--keystore", store.toString()), "keystore '" + store + "' needs its password: give"
                    + " --keystore-password or " + ProtocolOptions.PASSWORD_ENV},
            {List.of("--keystore", certsOnly.toString(), "--keystore-password", "right"), "keystore '" + certsOnly
                    + "' holds no private key, only certificates"},
        };
        for (String command : List.of("hello", "serve")) {
            for (Object[] c : cases) {
                @SuppressWarnings("unchecked")
                List<String> options = (List<String>) c[0];
                List<String> args = Stream.concat(Stream.of(command, "-p", "0", "-b", "127.0.0.1", "--tls"),
                        options.stream()).toList();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int status = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
                String e = err.toString(StandardCharsets.UTF_8);
                assertEquals(status, Main.USAGE, args + ": " + e);
                assertEquals(out.toString(StandardCharsets.UTF_8), "", args.toString());
                assertEquals(e, "loomux: " + c[1] + " (try 'loomux " + command + " --help')\n", args.toString());
            }
        }
    }

    /** Makes a PKCS12 keystore at {@code file} with a fresh key and certificate; returns the certificate. */
    private static X509Certificate keystore(Path file, String password) throws Exception {
        SelfSignedCertificate made = SelfSignedCertificate.make(null);
        KeyStore ks = made.keys();
        String alias = ks.aliases().nextElement();
        KeyStore copy = KeyStore.getInstance("PKCS12");
        copy.load(null, null);
        copy.setKeyEntry(alias, ks.getKey(alias, made.password()), password.toCharArray(),
                ks.getCertificateChain(alias));
        try (OutputStream out = Files.newOutputStream(file)) {
            copy.store(out, password.toCharArray());
        }
        return (X509Certificate) ks.getCertificate(alias);
    }

    /** A client context that trusts {@code cert} and nothing else. */
    private static SSLContext trusting(X509Certificate cert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Trusts any server, for a certificate no one signed, and keeps the chain it was shown. */
    private static final class Recording extends X509ExtendedTrustManager {
        final AtomicReference<X509Certificate[]> chain = new AtomicReference<>();

        SSLContext context() throws Exception {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {this}, null);
            return ctx;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType, SSLEngine engine) {
            chain.set(c);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType, Socket socket) {
            chain.set(c);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType) {
            chain.set(c);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType, Socket socket) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType) {
            throw new UnsupportedOperationException("a client's trust manager");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
