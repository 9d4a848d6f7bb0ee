package io.loomux.tck.faults;

import io.loomux.spi.Events;
import io.loomux.spi.SocketHandle;
import io.loomux.spi.Triggering;
import io.loomux.tck.DelegatingProvider;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;

/**
 * A socket whose reads and writes come back short, say "would block", or fail for good. The
 * reader and the writer each draw from their own {@link Dice} and keep their own storm, since
 * one reader and one writer may call at once.
 */
final class InjectedSocket extends DelegatingProvider.DelegatingSocket {

    private final FaultInjectingProvider injector;
    private final FaultPlan plan;
    private final boolean edge;
    private final Dice readDice;
    private final Dice writeDice;
    /** Calls left in a "would block" storm; each touched only by its direction's caller. */
    private int readStorm;
    private int writeStorm;
    private volatile InjectedRegistration registration;
    /** Set once when the injector faults this connection: reads and writes fail from then on. */
    private volatile boolean broken;

    InjectedSocket(FaultInjectingProvider injector, SocketHandle backend, long id) {
        super(backend);
        this.injector = injector;
        this.plan = injector.plan();
        this.edge = injector.triggering() == Triggering.EDGE;
        this.readDice = new Dice(injector.seed(), id, Dice.READS);
        this.writeDice = new Dice(injector.seed(), id, Dice.WRITES);
    }

    void registeredAs(InjectedRegistration reg) {
        registration = reg;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (broken) {
            throw new SocketException("Connection reset");
        }
        if (readStorm > 0) {
            readStorm--;
            return wouldBlock(Events.READABLE);
        }
        if (readDice.roll(plan.perMille(Fault.RESET))) {
            breakConnection(Fault.RESET);
            throw new SocketException("Connection reset");
        }
        if (readDice.roll(plan.perMille(Fault.WOULD_BLOCK))) {
            readStorm = readDice.between(0, plan.stormLength() - 1);
            return wouldBlock(Events.READABLE);
        }
        int want = dst.remaining();
        if (want >= 2 && readDice.roll(plan.perMille(Fault.SHORT_READ))) {
            int limit = readDice.between(1, want - 1);
            int n = d.read(dst.slice(dst.position(), limit));
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            if (n == limit) {
                shortCall(Fault.SHORT_READ, Events.READABLE);
            }
            return n;
        }
        return d.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int limit = beforeWrite(src.remaining());
        if (limit < 0) {
            return wouldBlock(Events.WRITABLE);
        }
        if (limit == src.remaining()) {
            return d.write(src);
        }
        int n = d.write(src.slice(src.position(), limit));
        src.position(src.position() + n);
        if (n == limit) {
            shortCall(Fault.SHORT_WRITE, Events.WRITABLE);
        }
        return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long offered = 0;
        for (int i = offset; i < offset + length; i++) {
            offered += srcs[i].remaining();
        }
        int limit = beforeWrite(offered);
        if (limit < 0) {
            return wouldBlock(Events.WRITABLE);
        }
        if (limit >= offered) {
            return d.write(srcs, offset, length);
        }
        // The buffers up to the limit, the one it falls in cut short by a slice.
        int last = offset;
        long before = 0;
        while (before + srcs[last].remaining() < limit) {
            before += srcs[last].remaining();
            last++;
        }
        ByteBuffer[] part = new ByteBuffer[last - offset + 1];
        System.arraycopy(srcs, offset, part, 0, part.length - 1);
        ByteBuffer cut = srcs[last];
        part[part.length - 1] = cut.slice(cut.position(), (int) (limit - before));
        long n = d.write(part, 0, part.length);
        int intoCut = part[part.length - 1].position();
        cut.position(cut.position() + intoCut);
        if (n == limit) {
            shortCall(Fault.SHORT_WRITE, Events.WRITABLE);
        }
        return n;
    }

    /**
     * The writer's decisions, before a write of {@code offered} bytes.
     *
     * @return -1 for "would block", else how many bytes to offer the backend (all of them
     *     unless a short write was drawn)
     * @throws SocketException when the connection is or becomes broken
     */
    private int beforeWrite(long offered) throws SocketException {
        if (broken) {
            throw new SocketException("Broken pipe");
        }
        if (writeStorm > 0) {
            writeStorm--;
            return -1;
        }
        if (writeDice.roll(plan.perMille(Fault.BROKEN_PIPE))) {
            breakConnection(Fault.BROKEN_PIPE);
            throw new SocketException("Broken pipe");
        }
        if (writeDice.roll(plan.perMille(Fault.WOULD_BLOCK))) {
            writeStorm = writeDice.between(0, plan.stormLength() - 1);
            return -1;
        }
        int all = (int) Math.min(offered, Integer.MAX_VALUE);
        if (offered >= 2 && writeDice.roll(plan.perMille(Fault.SHORT_WRITE))) {
            return writeDice.between(1, all - 1);
        }
        return all;
    }

    /** A "would block" the backend did not say: on EDGE no edge would follow, so owe a report. */
    private int wouldBlock(int direction) {
        injector.count(Fault.WOULD_BLOCK);
        if (edge) {
            owe(direction);
        }
        return 0;
    }

    /** A short read or write while more could go: on EDGE the layer waits for an edge; owe it. */
    private void shortCall(Fault kind, int direction) {
        injector.count(kind);
        if (edge) {
            owe(direction);
        }
    }

    private void owe(int bits) {
        InjectedRegistration r = registration;
        if (r != null) {
            r.owe(bits);
        }
    }

    /**
     * Faults the connection for good, once: later calls fail, a waiter in the other direction
     * is woken by an ERROR report (a real reset raises one too), and closing sends a reset.
     */
    private void breakConnection(Fault kind) {
        if (broken) {
            return;
        }
        broken = true;
        injector.count(kind);
        InetSocketAddress local = null;
        InetSocketAddress remote = null;
        try {
            local = d.localAddress();
            remote = d.remoteAddress();
        } catch (IOException | RuntimeException e) {
            // Counted all the same; only the check by addresses cannot name it.
        }
        injector.faultedConnection(local, remote);
        try {
            d.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            // The peer then sees an orderly close instead of a reset; either ends the connection.
        }
        owe(Events.ERROR);
    }

    @Override
    public void close() throws IOException {
        InjectedRegistration.gone(registration);
        d.close();
    }
}
