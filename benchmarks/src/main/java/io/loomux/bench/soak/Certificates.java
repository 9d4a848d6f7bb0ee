package io.loomux.bench.soak;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The HTTPS servers' key: a self-signed certificate for 127.0.0.1 made at start by the running
 * JDK's {@code keytool} in a temporary folder that is deleted at once, so no secret is ever
 * committed or left behind. The clients trust exactly that certificate.
 *
 * <p>Both sides keep at most {@value #SESSIONS} TLS sessions: the JDK's default cache holds
 * 20,480 for a day, which thousands of soak connections would fill, and that growth would be
 * the cache's, not the server's, yet indistinguishable from a leak in the heap check.
 */
record Certificates(SSLContext server, SSLContext client) {

    static final int SESSIONS = 64;
    private static final char[] PASSWORD = "loomux-soak".toCharArray();
    private static final long KEYTOOL_SECONDS = 60;

    /** Makes the key pair and both contexts. */
    static Certificates make() throws IOException, GeneralSecurityException {
        Path dir = Files.createTempDirectory("loomux-soak-tls");
        try {
            Path store = dir.resolve("server.p12");
            keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, PASSWORD);
            }
            Certificate cert = keys.getCertificate("server");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("server", cert);

            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(kmf.getKeyManagers(), null, null);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
            server.getServerSessionContext().setSessionCacheSize(SESSIONS);
            client.getClientSessionContext().setSessionCacheSize(SESSIONS);
            return new Certificates(server, client);
        } finally {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Runs keytool, bounded in time; its output goes to a file shown if it fails. */
    private static void keytool(Path dir, String... args) throws IOException {
        List<String> command = Stream.concat(
                Stream.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()),
                Stream.of(args)).toList();
        Path log = dir.resolve("keytool.log");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            if (!p.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool took over " + KEYTOOL_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for keytool", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool exited " + p.exitValue() + ": " + Files.readString(log, StandardCharsets.UTF_8));
        }
    }
}
