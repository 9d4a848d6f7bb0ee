package io.loomux.http;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Certificates made in the test, once per JVM: a self-signed EC server certificate for
 * {@code localhost} and {@code 127.0.0.1}, and a self-signed client certificate for client
 * authentication, both by the running JDK's {@code keytool} in a temporary folder. From them,
 * the {@link SSLContext}s of the server (its key; it trusts the client certificate) and of the
 * clients (they trust the server certificate; one also presents the client certificate).
 */
public final class TestCertificates {

    /** The client certificate's subject, as {@link X509Certificate#getSubjectX500Principal()} names it. */
    public static final String CLIENT_SUBJECT = "CN=loomux-test-client";

    private static final char[] PASSWORD = "loomux-test".toCharArray();
    private static final long KEYTOOL_SECONDS = 60;
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static Made made;

    private record Made(SSLContext server, SSLContext client, SSLContext clientWithCertificate,
                        X509Certificate serverCertificate, X509Certificate clientCertificate) {
    }

    private TestCertificates() {
    }

    /** @return the server's context: the server certificate as its key, the client certificate trusted */
    public static SSLContext serverContext() {
        return made().server();
    }

    /** @return a client context that trusts the server certificate and has no certificate of its own */
    public static SSLContext clientContext() {
        return made().client();
    }

    /** @return a client context that trusts the server certificate and presents the client certificate */
    public static SSLContext clientContextWithCertificate() {
        return made().clientWithCertificate();
    }

    /** @return the server's certificate */
    public static X509Certificate serverCertificate() {
        return made().serverCertificate();
    }

    /** @return the client's certificate */
    public static X509Certificate clientCertificate() {
        return made().clientCertificate();
    }

    private static Made made() {
        LOCK.lock();
        try {
            if (made == null) {
                made = make();
            }
            return made;
        } catch (IOException | GeneralSecurityException e) {
            throw new AssertionError("cannot make the test certificates: " + e, e);
        } finally {
            LOCK.unlock();
        }
    }

    private static Made make() throws IOException, GeneralSecurityException {
        Path dir = Files.createTempDirectory("loomux-http-tls");
        try {
            Path serverStore = dir.resolve("server.p12");
            Path clientStore = dir.resolve("client.p12");
            genKeyPair(dir, serverStore, "server", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
            genKeyPair(dir, clientStore, "client", CLIENT_SUBJECT, null);
            Path serverPem = dir.resolve("server.pem");
            Path clientPem = dir.resolve("client.pem");
            keytool(dir, "-exportcert", "-rfc", "-alias", "server", "-keystore", serverStore.toString(),
                    "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-file", serverPem.toString());
            keytool(dir, "-exportcert", "-rfc", "-alias", "client", "-keystore", clientStore.toString(),
                    "-storetype", "PKCS12", "-storepass", new String(PASSWORD), "-file", clientPem.toString());

            KeyStore serverKeys = load(serverStore);
            KeyStore clientKeys = load(clientStore);
            X509Certificate serverCert = readCertificate(serverPem);
            X509Certificate clientCert = readCertificate(clientPem);
            KeyStore trustServer = trustStore("server", serverCert);
            KeyStore trustClient = trustStore("client", clientCert);

            SSLContext server = context(serverKeys, trustClient);
            SSLContext client = context(null, trustServer);
            SSLContext clientWithCert = context(clientKeys, trustServer);
            return new Made(server, client, clientWithCert, serverCert, clientCert);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void genKeyPair(Path dir, Path store, String alias, String dname, String ext)
            throws IOException {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", dname, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)));
        if (ext != null) {
            args.add("-ext");
            args.add(ext);
        }
        keytool(dir, args.toArray(String[]::new));
    }

    /** Runs the running JDK's keytool, waiting a bounded time; its output goes to a file. */
    private static void keytool(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "keytool", ".log");
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .start();
        boolean ended;
        try {
            ended = p.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for keytool", e);
        }
        if (!ended) {
            p.destroyForcibly();
            throw new IOException("keytool took over " + KEYTOOL_SECONDS + " s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool exited " + p.exitValue() + ": " + command + "\n"
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
    }

    private static File nullDevice() {
        return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static X509Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
            return (X509Certificate) c;
        }
    }

    private static KeyStore trustStore(String alias, X509Certificate cert) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry(alias, cert);
        return ks;
    }

    private static SSLContext context(KeyStore keys, KeyStore trust) throws GeneralSecurityException {
        KeyManagerFactory kmf = null;
        if (keys != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // A temporary folder left behind is harmless.
        }
    }
}
