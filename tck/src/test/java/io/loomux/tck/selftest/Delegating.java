package io.loomux.tck.selftest;

import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.SocketHandle;
import io.loomux.tck.DelegatingProvider;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The correct provider the broken ones start from: the Selector backend through a
 * {@link DelegatingProvider}, so that a broken provider is a correct one with one fault put in.
 *
 * <p>One call is mended rather than passed on: the JDK's gathering write takes at most
 * {@code IOV_MAX} (1024) buffers per call and the Selector backend returns after one call, so a
 * write of more buffers comes back short with room left in the send buffer, which the kit's
 * {@code required_shortWriteMeansTheSendBufferIsFull} catches in the backend itself. Here it goes
 * on writing until a call takes nothing or everything is written, so that each broken provider
 * has exactly the fault it is named after.
 */
class Delegating extends DelegatingProvider {

    Delegating(MultiplexerProvider delegate) {
        super(delegate);
    }

    @Override
    public String name() {
        return "broken-" + delegate.name();
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    protected SocketHandle wrapSocket(SocketHandle h) {
        return new Sock(h);
    }

    /** A socket whose gathering write goes past the {@code IOV_MAX} cap. */
    static class Sock extends DelegatingSocket {
        Sock(SocketHandle d) {
            super(d);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long total = 0;
            // Each pass takes at least one byte or ends; bounded by the bytes offered.
            for (int i = 0; i < 1_000_000; i++) {
                long n = d.write(srcs, offset, length);
                total += n;
                if (n <= 0 || length == 0 || !srcs[offset + length - 1].hasRemaining()) {
                    return total;
                }
            }
            return total;
        }
    }
}
