package io.loomux.bench.jmh;

import io.loomux.BackendInfo;
import io.loomux.Connection;
import io.loomux.Listener;
import io.loomux.Loomux;
import io.loomux.RuntimeStats;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The park/unpark round trip through loomux's readiness state machine, per backend: the time from
 * a socket becoming readable (an event reported on a poller thread) to the blocked thread running
 * again.
 *
 * <p>Each variant is a 1-byte ping-pong over loopback TCP. The benchmark thread writes one byte on
 * the client end and blocks in {@code read} for the echo; a virtual thread on the server end reads
 * that byte and writes it back. One operation therefore holds two park/unpark passes: the echo
 * thread parked in read, woken by the poller when the byte lands; and the benchmark thread parked
 * in read, woken when the echo lands. Both ends run on one loomux runtime with one poller, so the
 * two wake-ups go through the same poller thread.
 *
 * <p>Reported as average time per round trip in microseconds ({@code ParkUnparkBenchmark.*}) and
 * as throughput in round trips per second ({@code ParkUnparkBenchmark.Throughput.*}).
 *
 * <p>The loomux variants run with {@code echoMode=thread} (the echo end is a virtual thread
 * parked in read) and {@code echoMode=turns} (the echo end holds no thread: each byte starts one
 * through {@link Connection#onReadable}), so the two ways of waiting are measured side by side.
 *
 * <p>Variants (JMH sorts them by name):
 * <ul>
 *   <li>{@code loomuxFromPlatformThread}: loomux on both ends, the caller is JMH's platform
 *       thread (parked and unparked with {@code LockSupport} like a virtual one).</li>
 *   <li>{@code loomuxFromVirtualThread}: the same, the caller is a virtual thread (the fork runs
 *       with {@code -Djmh.executor=VIRTUAL}, JMH's own virtual-thread executor, so there is no
 *       extra hand-off in the measured path).</li>
 *   <li>{@code jdkFromVirtualThread}: the baseline, the JDK's {@link SocketChannel} in blocking
 *       mode with a virtual thread on both ends, i.e. the JDK's built-in virtual-thread I/O
 *       (its own poller), in the same run.</li>
 *   <li>{@code jdkFromPlatformThread}: a reference point, the JDK's {@link SocketChannel} with the
 *       caller on a platform thread, which blocks in the {@code read} system call (no poller on
 *       that end); the echo end is still a virtual thread.</li>
 * </ul>
 *
 * <p>A backend named by {@code backend} that is not on the class path or not available on this
 * machine fails its own variant at setup with a one-line message saying so; the others still run.
 *
 * <p>Run (pinned to two cores, as the repository's other benchmarks are):
 * <pre>
 * taskset -c 0,1 java --enable-native-access=ALL-UNNAMED -jar bench-jmh/target/loomux-bench-jmh-*-all.jar
 * </pre>
 * JMH flags override the defaults here ({@code -wi -i -w -r -f}, {@code -p backend=epoll},
 * {@code -tu ns}; a regular expression picks variants, e.g. {@code 'ParkUnparkBenchmark\.[a-z]'} for
 * average time only). Passing {@code -jvmArgsAppend} on the command line replaces the
 * fork arguments below, including {@code -Djmh.executor=VIRTUAL}; the virtual-thread variants then
 * fail with a message rather than silently measuring a platform thread. They also need a fork
 * ({@code -f 0} runs them on a platform thread, so they refuse).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ParkUnparkBenchmark {

    /**
     * The same variants in throughput mode, in round trips per second. A subclass only so that
     * each mode gets a readable unit (JMH uses one time unit per benchmark, and prints three
     * decimals: round trips per microsecond would show as 0.018).
     */
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public static class Throughput extends ParkUnparkBenchmark {
    }

    /** JMH system property choosing how worker threads are made; VIRTUAL exists since JMH 1.37. */
    private static final String VIRTUAL_EXECUTOR = "-Djmh.executor=VIRTUAL";
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(10);
    private static final byte PING = 42;

    // ---------------------------------------------------------------------------------------------
    // Benchmarks

    /** loomux on both ends, caller on JMH's platform thread. */
    @Benchmark
    public byte loomuxFromPlatformThread(LoomuxPair pair) throws IOException {
        return roundTrip(pair.client, pair.out, pair.in);
    }

    /** loomux on both ends, caller on a virtual thread. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", VIRTUAL_EXECUTOR})
    public byte loomuxFromVirtualThread(LoomuxPair pair, VirtualCaller caller) throws IOException {
        return roundTrip(pair.client, pair.out, pair.in);
    }

    /** Baseline: the JDK's blocking SocketChannel with a virtual thread on both ends. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", VIRTUAL_EXECUTOR})
    public byte jdkFromVirtualThread(JdkPair pair, VirtualCaller caller) throws IOException {
        return roundTrip(pair.client, pair.out, pair.in);
    }

    /** Reference: the JDK's blocking SocketChannel, caller blocked in the read system call. */
    @Benchmark
    public byte jdkFromPlatformThread(JdkPair pair) throws IOException {
        return roundTrip(pair.client, pair.out, pair.in);
    }

    /**
     * One ping-pong: write a byte, block until the echo comes back. Shared by every variant; each
     * fork runs one variant, so the channel calls here see one implementation only.
     */
    private static byte roundTrip(ByteChannel channel, ByteBuffer out, ByteBuffer in) throws IOException {
        out.clear();
        channel.write(out);
        in.clear();
        int n = channel.read(in);
        if (n != 1) {
            throw new EOFException("the echo ended: read returned " + n);
        }
        return in.get(0);
    }

    // ---------------------------------------------------------------------------------------------
    // State

    /**
     * One loomux runtime with one poller on the named backend, a listener on 127.0.0.1:0, a
     * connected client/server pair of loomux connections and an echo virtual thread on the
     * server end. Per benchmark thread, so {@code -t N} measures N independent pairs.
     */
    @State(Scope.Thread)
    public static class LoomuxPair {
        @Param({"epoll", "selector"})
        public String backend;

        /**
         * How the server end waits: {@code thread}, a virtual thread parked in read (WAITING in
         * the state machine); {@code turns}, no thread ({@link Connection#onReadable}, ARMED):
         * each byte starts a new virtual thread that echoes it and arms again.
         */
        @Param({"thread", "turns"})
        public String echoMode;

        Loomux runtime;
        Listener listener;
        Connection client;
        Connection server;
        Thread echo;
        final ByteBuffer out = ping();
        final ByteBuffer in = ByteBuffer.allocateDirect(1);
        private boolean measuring;
        private RuntimeStats before;
        private long parks;
        private long polls;
        private long events;
        private long bytesRead;

        @Setup(Level.Trial)
        public void open() throws IOException {
            requireAvailable(backend);
            runtime = Loomux.builder().backend(backend).pollers(1).build();
            if (!runtime.backend().name().equals(backend)) {
                throw new IllegalStateException("asked for backend '" + backend + "', got " + runtime);
            }
            listener = runtime.listen(new InetSocketAddress("127.0.0.1", 0));
            client = runtime.connect(listener.localAddress(), SETUP_TIMEOUT);
            server = listener.accept(SETUP_TIMEOUT);
            noDelay(client);
            noDelay(server);
            if (echoMode.equals("turns")) {
                startTurnEcho(server);
            } else {
                echo = startEcho("loomux-echo-" + backend, server);
            }
            warmUpOnce(client, out, in);
        }

        /** Counts what the runtime did during measurement iterations only. */
        @Setup(Level.Iteration)
        public void mark(IterationParams iteration) {
            measuring = iteration.getType() == IterationType.MEASUREMENT;
            before = runtime.stats();
        }

        @TearDown(Level.Iteration)
        public void count() {
            if (measuring) {
                RuntimeStats now = runtime.stats();
                parks += now.parks() - before.parks();
                polls += now.polls() - before.polls();
                events += now.events() - before.events();
                bytesRead += now.bytesRead() - before.bytesRead();
            }
        }

        /**
         * Prints, once, what loomux did per round trip while measured: two parks means both ends
         * went through the wait path of the state machine each time; fewer means some reads
         * found their byte already there (the state was READY, or the retry after consume read it).
         */
        private void report() {
            if (bytesRead == 0) {
                return; // setup failed or nothing was measured
            }
            // Each round trip reads 2 bytes on this runtime: 1 at the echo end, 1 at the client.
            double roundTrips = Math.max(1, bytesRead) / 2.0;
            System.out.printf(Locale.ROOT, "%n  [loomux %s, echo in %s, measured: %.2f parks and %.2f polls per round trip,"
                            + " %.2f events per poll]%n", backend, echoMode, parks / roundTrips, polls / roundTrips,
                    polls == 0 ? 0.0 : (double) events / polls);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, InterruptedException {
            report();
            closeAll(echo, client, server, listener, runtime);
        }
    }

    /**
     * The JDK's own blocking {@link SocketChannel}s on 127.0.0.1, connected, with an echo virtual
     * thread on the server end. The client end is used from whichever thread the variant runs on.
     */
    @State(Scope.Thread)
    public static class JdkPair {
        ServerSocketChannel listener;
        SocketChannel client;
        SocketChannel server;
        Thread echo;
        final ByteBuffer out = ping();
        final ByteBuffer in = ByteBuffer.allocateDirect(1);

        @Setup(Level.Trial)
        public void open() throws IOException {
            listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
            client = SocketChannel.open(listener.getLocalAddress());
            server = listener.accept();
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            echo = startEcho("jdk-echo", server);
            warmUpOnce(client, out, in);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, InterruptedException {
            closeAll(echo, client, server, listener, null);
        }
    }

    /**
     * Marks the variants whose caller must be a virtual thread, and refuses to run them on a
     * platform thread (no fork, or fork arguments replaced on the command line).
     */
    @State(Scope.Thread)
    public static class VirtualCaller {
        @Setup(Level.Trial)
        public void check() {
            if (!Thread.currentThread().isVirtual()) {
                throw new Refused("this variant needs a virtual-thread caller, but JMH runs it on "
                        + Thread.currentThread() + ": run it in a fork (not -f 0) with "
                        + VIRTUAL_EXECUTOR + " (add it to -jvmArgsAppend if you pass that flag)");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    private static ByteBuffer ping() {
        ByteBuffer b = ByteBuffer.allocateDirect(1);
        b.put(0, PING);
        return b;
    }

    /** Fails setup, with one line and no stack trace, when the backend cannot run here. */
    private static void requireAvailable(String name) {
        List<BackendInfo> found = Loomux.backends();
        BackendInfo info = found.stream().filter(b -> b.name().equals(name)).findFirst().orElse(null);
        if (info == null) {
            throw new Refused("SKIPPED: loomux backend '" + name + "' is not on the class path (found: "
                    + found.stream().map(BackendInfo::name).collect(Collectors.joining(", ")) + ")");
        }
        if (!info.availability().available()) {
            throw new Refused("SKIPPED: loomux backend '" + name + "' is not available here: "
                    + info.availability().reason());
        }
    }

    private static void noDelay(Connection c) throws IOException {
        try {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (UnsupportedOperationException e) {
            // A backend without the option: with a strict ping-pong Nagle never holds a byte back.
        }
    }

    /** A virtual thread that reads one byte at a time and writes it back, until end of stream. */
    private static Thread startEcho(String name, ByteChannel channel) {
        return Thread.ofVirtual().name(name).start(() -> {
            ByteBuffer b = ByteBuffer.allocateDirect(1);
            try {
                for (;;) {
                    b.clear();
                    if (channel.read(b) < 0) {
                        return;
                    }
                    b.flip();
                    channel.write(b);
                }
            } catch (IOException e) {
                // closed at teardown
            }
        });
    }

    /**
     * An echo in turns: no thread waits; each arriving byte starts a virtual thread that echoes
     * what is queued and arms the connection again. Only one turn runs at a time (the next is
     * armed after this one's last use of the buffer), so they share one buffer.
     */
    private static void startTurnEcho(Connection server) {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        Runnable[] turn = new Runnable[1];
        turn[0] = () -> {
            try {
                // Each pass echoes what is queued; it ends armed, or at end of stream.
                for (;;) {
                    b.clear();
                    int n = server.readAvailable(b);
                    if (n < 0) {
                        return;
                    }
                    if (n == 0) {
                        if (server.onReadable(turn[0])) {
                            return;
                        }
                        continue;
                    }
                    b.flip();
                    server.write(b);
                }
            } catch (IOException e) {
                // closed at teardown
            }
        };
        if (!server.onReadable(turn[0])) {
            Thread.startVirtualThread(turn[0]);
        }
    }

    /** One round trip before JMH starts timing, so that a broken pair fails setup, not iteration 1. */
    private static void warmUpOnce(ByteChannel client, ByteBuffer out, ByteBuffer in) throws IOException {
        if (roundTrip(client, out, in) != PING) {
            throw new IllegalStateException("the echo returned a different byte");
        }
    }

    private static void closeAll(Thread echo, AutoCloseable client, AutoCloseable server,
                                 AutoCloseable listener, AutoCloseable runtime)
            throws IOException, InterruptedException {
        IOException failure = null;
        // The client first: the echo thread then reads end of stream and returns by itself.
        for (AutoCloseable c : new AutoCloseable[] {client, server, listener}) {
            failure = closeQuietly(c, failure);
        }
        if (echo != null && !echo.join(Duration.ofSeconds(5))) {
            System.err.println("echo thread " + echo + " did not end within 5 s");
        }
        failure = closeQuietly(runtime, failure);
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException closeQuietly(AutoCloseable c, IOException failure) {
        if (c == null) {
            return failure;
        }
        try {
            c.close();
        } catch (Exception e) {
            IOException io = e instanceof IOException x ? x : new IOException(e);
            if (failure == null) {
                return io;
            }
            failure.addSuppressed(io);
        }
        return failure;
    }

    /** A refusal to run a variant, reported by JMH as one line: the stack trace says nothing here. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }
}
