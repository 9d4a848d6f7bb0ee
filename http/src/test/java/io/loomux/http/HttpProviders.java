package io.loomux.http;

import com.sun.net.httpserver.spi.HttpServerProvider;
import io.loomux.BackendInfo;
import io.loomux.Loomux;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data providers of the HTTP behaviour suite: {@code all} is the JDK's built-in provider
 * (the control: a scenario that fails on it tests something the JDK does not do) and loomux on
 * every backend {@link java.util.ServiceLoader} finds; {@code loomux} is the loomux ones only,
 * for scenarios where loomux deliberately differs from the JDK.
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
     * @return the control, every loomux backend, and every loomux backend again over HTTP/2
     *     (h2c): the scenarios a JDK client drives, which HTTP/2 must serve the same
     */
    @DataProvider(name = "allAndH2c")
    public static Object[][] allAndH2c() {
        List<Impl> impls = new ArrayList<>();
        impls.add(jdk());
        impls.addAll(loomuxImpls());
        impls.addAll(loomuxH2cImpls());
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
        String backend = impl.name().substring("loomux-".length()).replace("-h2c", "");
        try {
            // A runtime per call: the test closes nothing, and runtimes are cheap (one poller).
            return new LoomuxHttpServerProvider(Loomux.builder().backend(backend).pollers(1).build(),
                    impl.h2c() ? settings.toBuilder().http2(true).build() : settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
