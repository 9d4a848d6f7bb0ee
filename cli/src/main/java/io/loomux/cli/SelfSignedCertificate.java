package io.loomux.cli;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A self-signed server certificate for testing, made when an HTTPS server starts without a
 * keystore: an EC key and a certificate for {@code localhost}, {@code 127.0.0.1}, {@code ::1}
 * and the address bound, if it names one. The JDK has no public API that signs a certificate,
 * so the running JDK's {@code keytool} makes it in a private temporary directory; the keystore
 * is read into memory and the directory deleted before the server starts.
 *
 * <p>Public for one other user, the soak in the benchmarks module, which makes its HTTPS
 * servers' key here rather than run keytool a second way; the module does not export this
 * package, so only class-path code (the soak is) can reach it, and it is no API of loomux.
 *
 * @param keys     the keystore holding the key and certificate, in memory
 * @param password the password of the key in {@code keys}
 * @param names    the names the certificate is valid for
 */
public record SelfSignedCertificate(KeyStore keys, char[] password, List<String> names) {

    private static final String ALIAS = "loomux";
    /** keytool starts a JVM; a minute is far beyond its second or so, yet bounds a hang. */
    private static final long KEYTOOL_SECONDS = 60;
    private static final int VALIDITY_DAYS = 30;
    /** keytool reads the password from this variable of its environment, not its command line. */
    private static final String PASSWORD_VARIABLE = "LOOMUX_KEYTOOL_PASSWORD";

    /** Keeps the password out of logs. */
    @Override
    public String toString() {
        return "SelfSignedCertificate[names=" + names + "]";
    }

    /**
     * Makes the key and certificate.
     *
     * @param bind the address the server binds, or null; a wildcard or loopback one adds no name
     * @return the key and certificate, with the names they are valid for
     * @throws IOException if keytool is missing, fails or takes too long
     */
    public static SelfSignedCertificate make(InetAddress bind) throws IOException {
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        if (bind != null && !bind.isAnyLocalAddress() && !bind.isLoopbackAddress()) {
            names.add(bind.getHostAddress());
        }
        byte[] secret = new byte[18];
        new SecureRandom().nextBytes(secret);
        char[] password = HexFormat.of().formatHex(secret).toCharArray();
        Path dir = Files.createTempDirectory("loomux-tls");
        try {
            Path store = dir.resolve("server.p12");
            keytool(dir, password, List.of("-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost, O=loomux self-signed for testing", "-validity",
                    Integer.toString(VALIDITY_DAYS), "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass:env", PASSWORD_VARIABLE, "-ext", "SAN=" + subjectAltNames(names)));
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot read the keystore keytool made: " + e.getMessage(), e);
            }
            return new SelfSignedCertificate(keys, password, List.copyOf(names));
        } catch (GeneralSecurityException e) {
            throw new IOException("no PKCS12 keystore in this JDK: " + e.getMessage(), e);
        } finally {
            deleteTree(dir);
        }
    }

    private static String subjectAltNames(Set<String> names) {
        List<String> entries = new ArrayList<>();
        for (String n : names) {
            // Every name but "localhost" is an address; an IPv6 one keeps its colons.
            entries.add((n.equals("localhost") ? "dns:" : "ip:") + n);
        }
        return String.join(",", entries);
    }

    private static void keytool(Path dir, char[] password, List<String> args) throws IOException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin",
                System.getProperty("os.name").startsWith("Windows") ? "keytool.exe" : "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IOException("this Java runtime has no keytool (" + keytool + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.addAll(args);
        Path log = dir.resolve("keytool.log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File(
                        System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null")));
        pb.environment().put(PASSWORD_VARIABLE, new String(password));
        Process p = pb.start();
        try {
            if (!p.waitFor(KEYTOOL_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool took over " + KEYTOOL_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool exited with status " + p.exitValue() + ": "
                    + Main.oneLine(Files.readString(log, StandardCharsets.UTF_8)));
        }
    }

    /** Deletes the directory keytool worked in; it holds files only. */
    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }
}
