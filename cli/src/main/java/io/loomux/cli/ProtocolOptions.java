package io.loomux.cli;

import io.loomux.cli.Main.UsageException;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The options {@code serve} and {@code hello} share: whether HTTP/2 is served beside HTTP/1.1,
 * and whether the server speaks HTTPS, with which certificate.
 *
 * @param http2    serve HTTP/2 beside HTTP/1.1 (loomux only: the JDK's server has none)
 * @param tls      serve HTTPS instead of HTTP
 * @param keystore the keystore (PKCS12) holding the server's key and certificate, or null for a
 *                 self-signed certificate made at start
 * @param password the keystore's password, or null when none was given
 */
record ProtocolOptions(boolean http2, boolean tls, Path keystore, String password) {

    /** The environment variable that gives the keystore's password when no option does. */
    static final String PASSWORD_ENV = "LOOMUX_KEYSTORE_PASSWORD";

    /** Keeps the password out of logs and test failure messages. */
    @Override
    public String toString() {
        return "ProtocolOptions[http2=" + http2 + ", tls=" + tls + ", keystore=" + keystore + ", password="
                + (password == null ? "none" : "(given)") + "]";
    }

    /** Takes the shared options out of a command's arguments, one option at a time. */
    static final class Parser {
        private final String command;
        private boolean http2 = true;
        private boolean tls;
        private Path keystore;
        private String password;

        /** @param command the command whose arguments these are, for its help hint */
        Parser(String command) {
            this.command = command;
        }

        /**
         * Takes {@code opt} (and its value from {@code a}) if it is one of the shared options.
         *
         * @return whether it was
         */
        boolean take(String opt, Main.Args a) throws UsageException {
            switch (opt) {
                case "--no-http2" -> http2 = false;
                case "--tls" -> tls = true;
                case "--keystore" -> keystore = keystore(a.value(opt));
                case "--keystore-password" -> password = a.value(opt);
                default -> {
                    return false;
                }
            }
            return true;
        }

        /**
         * @param env reads an environment variable ({@code System::getenv}, or a test's)
         * @return the options taken, checked against each other
         */
        ProtocolOptions done(UnaryOperator<String> env) throws UsageException {
            if (!tls && (keystore != null || password != null)) {
                throw new UsageException("--keystore and --keystore-password go with --tls", command);
            }
            if (keystore == null && password != null) {
                throw new UsageException("--keystore-password needs --keystore", command);
            }
            String pw = password;
            if (keystore != null && pw == null) {
                pw = env.apply(PASSWORD_ENV);
            }
            return new ProtocolOptions(http2, tls, keystore, pw);
        }

        private Path keystore(String v) throws UsageException {
            Path p;
            try {
                p = Path.of(v).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new UsageException("bad keystore path '" + v + "'", command);
            }
            if (!Files.exists(p)) {
                throw new UsageException("keystore '" + v + "' does not exist", command);
            }
            if (!Files.isRegularFile(p)) {
                throw new UsageException("keystore '" + v + "' is not a file", command);
            }
            if (!Files.isReadable(p)) {
                throw new UsageException("keystore '" + v + "' is not readable", command);
            }
            return p;
        }
    }
}
