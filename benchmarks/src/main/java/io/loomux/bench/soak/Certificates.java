package io.loomux.bench.soak;

import io.loomux.cli.SelfSignedCertificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Collections;

/**
 * The HTTPS servers' key: the command line's {@link SelfSignedCertificate}, made at start by the
 * running JDK's {@code keytool} in a temporary folder that is deleted at once, so no secret is
 * ever committed or left behind. The clients trust exactly that certificate.
 *
 * <p>Both sides keep at most {@value #SESSIONS} TLS sessions: the JDK's default cache holds
 * 20,480 for a day, which thousands of soak connections would fill, and that growth would be
 * the cache's, not the server's, yet indistinguishable from a leak in the heap check.
 */
record Certificates(SSLContext server, SSLContext client) {

    static final int SESSIONS = 64;

    /** Makes the key pair and both contexts. */
    static Certificates make() throws IOException, GeneralSecurityException {
        SelfSignedCertificate made = SelfSignedCertificate.make(null);
        KeyStore keys = made.keys();
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        // The store holds the one key the command line made, under its own alias.
        for (String alias : Collections.list(keys.aliases())) {
            Certificate cert = keys.getCertificate(alias);
            trust.setCertificateEntry(alias, cert);
        }

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, made.password());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        server.getServerSessionContext().setSessionCacheSize(SESSIONS);
        client.getClientSessionContext().setSessionCacheSize(SESSIONS);
        return new Certificates(server, client);
    }
}
