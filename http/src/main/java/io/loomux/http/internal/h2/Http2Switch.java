package io.loomux.http.internal.h2;

import io.loomux.http.internal.H2cUpgrade;
import io.loomux.http.internal.Http2Service;
import io.loomux.http.internal.HttpInput;
import io.loomux.http.internal.ServedConnection;
import io.loomux.http.internal.ServerCore;
import io.loomux.http.internal.Transport;

/** Where an HTTP/1.1 connection becomes an HTTP/2 one; see {@link Http2Service}. */
public final class Http2Switch implements Http2Service {

    private final byte[] preface;

    /** Makes the switch; one serves every server of a provider. */
    public Http2Switch() {
        java.nio.ByteBuffer p = Preface.client();
        preface = new byte[p.remaining()];
        p.get(preface);
    }

    @Override
    public byte[] preface() {
        return preface.clone();
    }

    @Override
    public void serve(ServerCore server, ServedConnection replaced, Transport transport, HttpInput in) {
        serveUpgraded(server, replaced, transport, in, null);
    }

    @Override
    public void serveUpgraded(ServerCore server, ServedConnection replaced, Transport transport, HttpInput in,
                              H2cUpgrade upgrade) {
        Http2Connection c = new Http2Connection(server, transport, in);
        if (!server.replace(replaced, c)) {
            // Closed while it switched: end it as the HTTP/1.1 connection would have ended.
            c.forceClose();
        }
        c.serve(upgrade);
    }
}
