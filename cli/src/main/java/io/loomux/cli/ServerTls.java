package io.loomux.cli;

import io.loomux.cli.Main.UsageException;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.util.Collections;
import java.util.List;

/**
 * The key and certificate an HTTPS server of the command line presents: those of the keystore
 * {@code --keystore} names, else a {@link SelfSignedCertificate} made at start.
 *
 * @param context   the server's SSL context
 * @param selfNames the names a self-signed certificate made at start is valid for; null when
 *                  the certificate came from a keystore
 */
record ServerTls(SSLContext context, List<String> selfNames) {

    /** A self-signed certificate could not be made: the machine's fault, not the command line's. */
    static final class CannotMakeCertificate extends IOException {
        private static final long serialVersionUID = 1L;

        CannotMakeCertificate(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** @return whether the certificate was made at start, self-signed */
    boolean selfSigned() {
        return selfNames != null;
    }

    /**
     * @param o       the command's options; {@code o.tls()} must be set
     * @param bind    the address the server binds, or null, for a self-signed certificate's names
     * @param command the command, for the help hint of a bad keystore
     * @throws UsageException        if the keystore cannot be read, its password is wrong or it
     *                               holds no key
     * @throws CannotMakeCertificate if no keystore was given and keytool failed
     */
    static ServerTls of(ProtocolOptions o, InetAddress bind, String command)
            throws UsageException, CannotMakeCertificate {
        if (o.keystore() == null) {
            try {
                SelfSignedCertificate made = SelfSignedCertificate.make(bind);
                return new ServerTls(context(made.keys(), made.password()), made.names());
            } catch (IOException | GeneralSecurityException e) {
                throw new CannotMakeCertificate("cannot make a self-signed certificate: "
                        + Main.oneLine(e.getMessage()) + "; give one with --keystore", e);
            }
        }
        return new ServerTls(fromKeystore(o.keystore(), o.password(), command), null);
    }

    private static SSLContext fromKeystore(Path file, String password, String command) throws UsageException {
        char[] pw = password == null ? new char[0] : password.toCharArray();
        String named = "keystore '" + file + "'";
        String wrongPassword = password == null
                ? named + " needs its password: give --keystore-password or " + ProtocolOptions.PASSWORD_ENV
                : "wrong password for " + named;
        KeyStore keys;
        try {
            // Probes the format: PKCS12, and the JKS a JDK user may still hold.
            keys = KeyStore.getInstance(file.toFile(), pw);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new UsageException(wrongPassword, command);
            }
            throw new UsageException("cannot read " + named + ": " + Main.oneLine(e.getMessage()), command);
        } catch (KeyStoreException e) {
            throw new UsageException(named + " is not a PKCS12 or JKS keystore", command);
        } catch (GeneralSecurityException e) {
            throw new UsageException("cannot read " + named + ": " + Main.oneLine(e.getMessage()), command);
        }
        try {
            boolean hasKey = false;
            for (String alias : Collections.list(keys.aliases())) {
                hasKey |= keys.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new UsageException(named + " holds no private key, only certificates", command);
            }
            return context(keys, pw);
        } catch (UnrecoverableKeyException e) {
            throw new UsageException(password == null ? wrongPassword
                    : "the key in " + named + " has a password of its own: it must be the keystore's", command);
        } catch (GeneralSecurityException e) {
            throw new UsageException("cannot use " + named + ": " + Main.oneLine(e.getMessage()), command);
        }
    }

    private static SSLContext context(KeyStore keys, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }
}
