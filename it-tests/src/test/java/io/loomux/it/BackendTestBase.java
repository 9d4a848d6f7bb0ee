package io.loomux.it;

import io.loomux.Loomux;
import io.loomux.server.TcpServer;
import org.testng.ITestResult;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeMethod;

import io.loomux.Connection;
import io.loomux.Listener;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * What every scenario shares: its name in reports carries the backend (Surefire appends the
 * parameters, whose {@code toString} is the backend's name; TestNG's own reports get the name
 * through {@link ITestResult#setTestName}), and every
 * runtime, server, socket and thread pool it opens is closed after it, whether it passed, failed or
 * timed out (closing wakes any thread still parked on them).
 *
 * <p>Test classes run their methods one at a time (TestNG's default), so one name field per
 * instance is enough for log lines.
 */
public abstract class BackendTestBase {

    /** The loopback address every test uses; no traffic leaves the machine. */
    protected static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private volatile String testName = getClass().getSimpleName();

    /** @return the running test's method name with its backend, e.g. {@code echo[selector]} */
    public String getTestName() {
        return testName;
    }

    @BeforeMethod(alwaysRun = true)
    public void nameAfterBackend(Method method, Object[] parameters, ITestResult result) {
        StringBuilder name = new StringBuilder(method.getName());
        if (parameters != null && parameters.length > 0) {
            name.append('[');
            for (int i = 0; i < parameters.length; i++) {
                name.append(i == 0 ? "" : ",").append(parameters[i]);
            }
            name.append(']');
        }
        testName = name.toString();
        result.setTestName(testName);
    }

    @AfterMethod(alwaysRun = true)
    public void closeResources() {
        // Bounded: each resource is closed once, newest first.
        for (int guard = resources.size(); guard > 0 && !resources.isEmpty(); guard--) {
            AutoCloseable r;
            synchronized (resources) {
                r = resources.pollFirst();
            }
            try {
                r.close();
            } catch (Exception | AssertionError e) {
                System.err.println(testName + ": closing " + r + " failed: " + e);
            }
        }
    }

    /**
     * @param resource closed after the test, newest first
     * @param <T>      its type
     * @return {@code resource}
     */
    protected <T extends AutoCloseable> T track(T resource) {
        synchronized (resources) {
            resources.addFirst(resource);
        }
        return resource;
    }

    /**
     * @param backend the backend under test
     * @return a runtime on exactly that backend, closed after the test
     */
    protected Loomux runtime(Backend backend) throws IOException {
        Backends.require(backend);
        Loomux rt = track(Loomux.builder().backend(backend.name()).build());
        if (!rt.backend().name().equals(backend.name())) {
            throw new AssertionError("asked for backend " + backend + ", got " + rt.backend());
        }
        return rt;
    }

    /**
     * @param backend the backend under test
     * @return a server builder on that backend, bound to an ephemeral loopback port
     */
    protected TcpServer.Builder server(Backend backend) {
        Backends.require(backend);
        return TcpServer.builder().backend(backend.name()).address(new InetSocketAddress(LOOPBACK, 0));
    }

    /**
     * @param backend the backend the builder was configured with
     * @param builder a configured builder
     * @return the started server, closed after the test
     */
    protected TcpServer start(Backend backend, TcpServer.Builder builder) throws IOException {
        TcpServer server = track(builder.start());
        if (!server.backend().name().equals(backend.name())) {
            throw new AssertionError("server asked to run on backend " + backend + " runs on " + server.backend());
        }
        return server;
    }

    /** A loomux connection and the JDK socket at its other end. */
    protected record Pair(Connection loomux, Socket peer) {
    }

    /**
     * @param rt          the runtime under test
     * @param peerRcvBuf  the peer's SO_RCVBUF, set before connecting; 0 for the default
     * @return a connection a loomux {@link io.loomux.Listener} accepted from a JDK client socket
     */
    protected Pair acceptedPair(Loomux rt, int peerRcvBuf) throws IOException {
        Listener listener = track(rt.listen(new InetSocketAddress(LOOPBACK, 0)));
        Socket peer = track(new Socket());
        if (peerRcvBuf > 0) {
            peer.setReceiveBufferSize(peerRcvBuf);
        }
        peer.setSoTimeout(10_000);
        peer.connect(listener.localAddress(), 10_000);
        Connection c = track(listener.accept(Duration.ofSeconds(10)));
        return new Pair(c, peer);
    }

    /**
     * @param rt          the runtime under test
     * @param peerRcvBuf  the peer's SO_RCVBUF, set on the JDK server socket before accepting; 0 for
     *                    the default
     * @return a connection made by {@link Loomux#connect} to a JDK server socket, and the socket it
     *     accepted
     */
    protected Pair connectedPair(Loomux rt, int peerRcvBuf) throws IOException {
        ServerSocket ss = track(new ServerSocket());
        if (peerRcvBuf > 0) {
            ss.setReceiveBufferSize(peerRcvBuf);
        }
        ss.bind(new InetSocketAddress(LOOPBACK, 0), 50);
        ss.setSoTimeout(10_000);
        Connection c = track(rt.connect((InetSocketAddress) ss.getLocalSocketAddress(), Duration.ofSeconds(10)));
        Socket peer = track(ss.accept());
        peer.setSoTimeout(10_000);
        return new Pair(c, peer);
    }

    /** A thread running a blocking call, and what the call ended with. */
    protected record Running(Thread thread, CompletableFuture<Object> result) {

        /**
         * @param within how long the call may take to end
         * @return the exception the call threw
         * @throws AssertionError if it did not end in time, or returned normally
         */
        public Throwable failure(Duration within, String what) {
            await(what + ": the blocked call ends").atMost(within).pollInterval(Duration.ofMillis(2))
                    .until(result::isDone);
            try {
                Object value = result.join();
                throw new AssertionError(what + ": expected an exception, the call returned " + value);
            } catch (CompletionException e) {
                return e.getCause();
            }
        }
    }

    /**
     * @param name the thread's name
     * @param body the blocking call
     * @return the virtual thread running it, interrupted after the test if still running
     */
    protected Running startVirtual(String name, Callable<Object> body) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name(name).unstarted(() -> {
            try {
                result.complete(body.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        track(() -> {
            if (t.isAlive()) {
                t.interrupt();
            }
        });
        t.start();
        return new Running(t, result);
    }

    /**
     * @param prefix thread name prefix
     * @return a virtual-thread-per-task executor, shut down after the test
     */
    protected ExecutorService virtualThreads(String prefix) {
        ExecutorService ex = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(prefix, 0).factory());
        track(() -> {
            ex.shutdownNow();
            if (!ex.awaitTermination(10, TimeUnit.SECONDS)) {
                System.err.println(testName + ": " + prefix + " threads did not end in 10 s");
            }
        });
        return ex;
    }

    /**
     * Waits until a thread is parked (WAITING or TIMED_WAITING), as a thread blocked in a loomux
     * read, write or accept is. A thread that spins instead of parking never gets there.
     *
     * @param r the thread and its call, whose outcome the failure reports if it ended
     */
    protected static void awaitParked(Running r) {
        try {
            awaitParked(r.thread());
        } catch (AssertionError e) {
            if (r.result().isDone()) {
                Object outcome;
                try {
                    outcome = "returned " + r.result().join();
                } catch (CompletionException ce) {
                    throw new AssertionError(e.getMessage() + ": it threw " + ce.getCause(), ce.getCause());
                }
                throw new AssertionError(e.getMessage() + ": it " + outcome, e);
            }
            throw e;
        }
    }

    /**
     * As {@link #awaitParked(Running)}, for a thread the test did not start.
     *
     * @param t the thread
     */
    protected static void awaitParked(Thread t) {
        await("thread " + t.getName() + " parked in I/O").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> {
                    Thread.State s = t.getState();
                    if (s == Thread.State.TERMINATED) {
                        throw new AssertionError("thread " + t.getName() + " ended instead of parking");
                    }
                    return (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) && parkedInIo(t.getStackTrace());
                });
    }

    /**
     * @return true if the stack is parked by {@link java.util.concurrent.locks.LockSupport} below
     *     a socket call of loomux or the JDK, not in some other wait (class initialisation, a
     *     lock on the way in)
     */
    private static boolean parkedInIo(StackTraceElement[] stack) {
        boolean parked = false;
        for (StackTraceElement f : stack) {
            if (f.getClassName().equals("java.util.concurrent.locks.LockSupport")) {
                parked = true;
            } else if (parked && (f.getClassName().startsWith("io.loomux.") || f.getClassName().startsWith("sun.nio.ch."))) {
                return !f.getClassName().contains("Lock");
            }
        }
        return false;
    }
}
