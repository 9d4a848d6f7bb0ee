package io.loomux.http;

import com.sun.net.httpserver.spi.HttpServerProvider;
import io.loomux.BackendInfo;
import io.loomux.Loomux;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data providers of the HTTP behaviour suite: {@code all} is the JDK's built-in provider
 * (the control: a scenario that fails on it tests something the JDK does not do) and loomux on
 * every backend {@link java.util.ServiceLoader} finds; {@code loomux} is the loomux ones only,
 * for scenarios where loomux deliberately differs from the JDK. {@code allAndH2c} and
 * {@code allAndH2} (and {@code loomuxAndH2}) add every loomux backend again, its client speaking
 * HTTP/2 to it: over h2c to a plain server, over h2 to an HTTPS one.
 *
 * <p>Each backend's runtime is opened once for the whole test JVM and never closed: its pollers
 * are daemon threads, and servers come and go on it as they would in a program.
 */
public final class HttpProviders {

    private static final Map<String, Impl> LOOMUX = new ConcurrentHashMap<>();

    private HttpProviders() {
    }

    /** @return the JDK's own provider, made by its class name (the tests add-export its package) */
    public static Impl jdk() {
        try {
            Class<?> c = Class.forName("sun.net.httpserver.DefaultHttpServerProvider");
            return new Impl("jdk", (HttpServerProvider) c.getDeclaredConstructor().newInstance(), null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot make the JDK's HttpServerProvider; is"
                    + " --add-exports jdk.httpserver/sun.net.httpserver=ALL-UNNAMED on the test JVM?", e);
        }
    }

    /** @return loomux on each discovered backend */
    public static List<Impl> loomuxImpls() {
        List<BackendInfo> found = Loomux.backends();
        if (found.isEmpty()) {
            throw new AssertionError("ServiceLoader found no loomux backend on the test class path");
        }
        List<Impl> out = new ArrayList<>();
        for (BackendInfo b : found) {
            out.add(LOOMUX.computeIfAbsent(b.name(), n -> open(b)));
        }
        return out;
    }

    private static Impl open(BackendInfo b) {
        String name = "loomux-" + b.name();
        if (!b.availability().available()) {
            return new Impl(name, null, "backend '" + b.name() + "' is unavailable here: " + b.availability().reason());
        }
        try {
            Loomux runtime = Loomux.builder().backend(b.name()).build();
            return new Impl(name, new LoomuxHttpServerProvider(runtime, HttpServerSettings.defaults()), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Map<String, Impl> LOOMUX_H2C = new ConcurrentHashMap<>();

    /** @return loomux on each discovered backend with HTTP/2 on, spoken to over h2c */
    public static List<Impl> loomuxH2cImpls() {
        List<Impl> out = new ArrayList<>();
        for (BackendInfo b : Loomux.backends()) {
            out.add(LOOMUX_H2C.computeIfAbsent(b.name(), n -> openH2c(b)));
        }
        return out;
    }

    private static Impl openH2c(BackendInfo b) {
        String name = "loomux-" + b.name() + "-h2c";
        if (!b.availability().available()) {
            return new Impl(name, null, "backend '" + b.name() + "' is unavailable here: " + b.availability().reason(), true);
        }
        try {
            Loomux runtime = Loomux.builder().backend(b.name()).build();
            return new Impl(name, new LoomuxHttpServerProvider(runtime, HttpServerSettings.builder().http2(true).build()),
                    null, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @return loomux on each discovered backend with HTTP/2 on, spoken to over h2 (TLS, ALPN): the
     *     servers of {@link #loomuxH2cImpls()}, whose runtimes they share
     */
    public static List<Impl> loomuxH2Impls() {
        List<Impl> out = new ArrayList<>();
        for (BackendInfo b : Loomux.backends()) {
            Impl h2c = LOOMUX_H2C.computeIfAbsent(b.name(), n -> openH2c(b));
            out.add(new Impl("loomux-" + b.name() + "-h2", h2c.provider(), h2c.skip(), true));
        }
        return out;
    }

    /**
     * @return the control, every loomux backend, and every loomux backend again over HTTP/2
     *     (h2c): the scenarios a JDK client drives, which HTTP/2 must serve the same
     */
    @DataProvider(name = "allAndH2c")
    public static Object[][] allAndH2c() {
        return allAnd(loomuxH2cImpls());
    }

    /**
     * @return the control, every loomux backend, and every loomux backend again over h2: the
     *     HTTPS scenarios a JDK client drives, which HTTP/2 must serve the same
     */
    @DataProvider(name = "allAndH2")
    public static Object[][] allAndH2() {
        return allAnd(loomuxH2Impls());
    }

    /** @return the control, every loomux backend, then the HTTP/2 rows */
    private static Object[][] allAnd(List<Impl> http2) {
        List<Impl> impls = new ArrayList<>();
        impls.add(jdk());
        impls.addAll(loomuxImpls());
        impls.addAll(http2);
        return rows(impls);
    }

    /** @return every loomux backend, and every one again over h2 */
    @DataProvider(name = "loomuxAndH2")
    public static Object[][] loomuxAndH2() {
        List<Impl> impls = new ArrayList<>(loomuxImpls());
        impls.addAll(loomuxH2Impls());
        return rows(impls);
    }

    /** @return the control and every loomux backend */
    @DataProvider(name = "all")
    public static Object[][] all() {
        List<Impl> impls = new ArrayList<>();
        impls.add(jdk());
        impls.addAll(loomuxImpls());
        return rows(impls);
    }

    /** @return every loomux backend */
    @DataProvider(name = "loomux")
    public static Object[][] loomux() {
        return rows(loomuxImpls());
    }

    /**
     * Every implementation of {@link #all()} with every case: a scenario that differs only by its
     * input, once for each.
     *
     * @param cases the cases, each the parameters after the implementation
     * @return rows of the implementation and then the case's parameters
     */
    public static Object[][] allWith(Object[]... cases) {
        return with(all(), cases);
    }

    /**
     * Every implementation of {@link #all()} with every case, then every loomux backend over h2
     * with the h2 cases: where cases differ only in how a program configures TLS, which the
     * HTTP/1.1 rows check, one of them is enough over h2.
     *
     * @param cases   the cases, each the parameters after the implementation
     * @param h2Cases the cases for the h2 rows
     * @return rows of the implementation and then the case's parameters
     */
    public static Object[][] allWithAndH2With(Object[][] cases, Object[]... h2Cases) {
        Object[][] http11 = with(all(), cases);
        Object[][] h2 = with(rows(loomuxH2Impls()), h2Cases);
        Object[][] rows = Arrays.copyOf(http11, http11.length + h2.length);
        System.arraycopy(h2, 0, rows, http11.length, h2.length);
        return rows;
    }

    /**
     * Every implementation of {@link #loomux()} with every case.
     *
     * @param cases the cases, each the parameters after the implementation
     * @return rows of the implementation and then the case's parameters
     */
    public static Object[][] loomuxWith(Object[]... cases) {
        return with(loomux(), cases);
    }

    private static Object[][] with(Object[][] impls, Object[]... cases) {
        Object[][] rows = new Object[impls.length * cases.length][];
        int i = 0;
        for (Object[] c : cases) {
            for (Object[] impl : impls) {
                Object[] row = new Object[1 + c.length];
                row[0] = impl[0];
                System.arraycopy(c, 0, row, 1, c.length);
                rows[i++] = row;
            }
        }
        return rows;
    }

    private static Object[][] rows(List<Impl> impls) {
        Object[][] rows = new Object[impls.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {impls.get(i)};
        }
        return rows;
    }

    /**
     * Skips the test when the implementation cannot run here.
     *
     * @param impl the parameter
     */
    public static void require(Impl impl) {
        if (impl.skip() != null) {
            throw new SkipException(impl.skip());
        }
    }

    /**
     * A loomux provider on the given backend with settings of the test's own (a short header
     * timeout, say).
     *
     * @param impl     a loomux implementation from {@link #loomux()}
     * @param settings the settings
     * @return a provider on the same runtime
     */
    public static HttpServerProvider withSettings(Impl impl, HttpServerSettings settings) {
        require(impl);
        if (impl.isJdk()) {
            throw new IllegalArgumentException("the JDK's provider takes system properties, not settings");
        }
        String backend = impl.name().substring("loomux-".length()).replaceFirst("-h2c?$", "");
        try {
            // A runtime per call: the test closes nothing, and runtimes are cheap (one poller).
            return new LoomuxHttpServerProvider(Loomux.builder().backend(backend).pollers(1).build(),
                    impl.http2() ? settings.toBuilder().http2(true).build() : settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
