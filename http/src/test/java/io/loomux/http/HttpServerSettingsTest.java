package io.loomux.http;

import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;

import java.time.Duration;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Settings from system properties: loomux's own, the JDK's where they mean the same thing, which
 * wins, and a clear error naming the property for a bad value. Runs single-threaded with the
 * properties restored after each test (TestNG runs this class's methods one at a time).
 */
public class HttpServerSettingsTest {

    private static final List<String> PROPERTIES = List.of(
            "loomux.http.maxConnections", "jdk.httpserver.maxConnections",
            "loomux.http.maxHeaders", "sun.net.httpserver.maxReqHeaders",
            "loomux.http.maxHeaderBytes", "sun.net.httpserver.maxReqHeaderSize",
            "loomux.http.idleTimeout", "sun.net.httpserver.idleInterval",
            "loomux.http.headerTimeout", "sun.net.httpserver.maxReqTime",
            "loomux.http.drainLimit", "sun.net.httpserver.drainAmount",
            "loomux.http.tcpNoDelay", "sun.net.httpserver.nodelay",
            "loomux.http.maxRequestLineLength", "loomux.http.pathMatcher", "sun.net.httpserver.pathMatcher",
            "loomux.http.requireHost", "loomux.http.http2", "loomux.http.http2MaxConcurrentStreams",
            "loomux.http.http2InitialWindowSize", "loomux.http.http2MaxFrameSize", "loomux.http.http2HeaderTableSize");

    @AfterMethod
    public void clear() {
        PROPERTIES.forEach(System::clearProperty);
    }

    /** Sets the system properties, given as name, value, name, value... */
    private static void set(String... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("a name without its value");
        }
        for (int i = 0; i < namesAndValues.length; i += 2) {
            System.setProperty(namesAndValues[i], namesAndValues[i + 1]);
        }
    }

    /** Checks every setting. */
    private static void assertSettings(HttpServerSettings s, int maxConnections, int maxHeaders, int maxHeaderBytes,
                                       Duration idleTimeout, Duration headerTimeout, int drainLimit, boolean tcpNoDelay,
                                       HttpServerSettings.PathMatcher pathMatcher) {
        assertEquals(s.maxConnections(), maxConnections);
        assertEquals(s.maxHeaders(), maxHeaders);
        assertEquals(s.maxHeaderBytes(), maxHeaderBytes);
        assertEquals(s.idleTimeout(), idleTimeout);
        assertEquals(s.headerTimeout(), headerTimeout);
        assertEquals(s.drainLimit(), drainLimit);
        assertEquals(s.tcpNoDelay(), tcpNoDelay);
        assertEquals(s.pathMatcher(), pathMatcher);
    }

    @Test(timeOut = 10_000)
    public void withNoPropertiesTheDefaultsApply() {
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        HttpServerSettings d = HttpServerSettings.defaults();
        assertEquals(s.toString(), d.toString());
        assertSettings(d, 10_000, 200, 65_536, Duration.ofSeconds(30), Duration.ofSeconds(20), 65_536, true,
                HttpServerSettings.PathMatcher.STRING_PREFIX);
    }

    @Test(timeOut = 10_000)
    public void theJdksPropertiesAreHonoured() {
        set("jdk.httpserver.maxConnections", "123", "sun.net.httpserver.maxReqHeaders", "7",
                "sun.net.httpserver.maxReqHeaderSize", "4096", "sun.net.httpserver.idleInterval", "5",
                "sun.net.httpserver.maxReqTime", "2.5", "sun.net.httpserver.drainAmount", "10",
                "sun.net.httpserver.nodelay", "false", "sun.net.httpserver.pathMatcher", "pathPrefix");
        assertSettings(HttpServerSettings.fromSystemProperties(), 123, 7, 4096, Duration.ofSeconds(5),
                Duration.ofMillis(2500), 10, false, HttpServerSettings.PathMatcher.PATH_PREFIX);
    }

    @Test(timeOut = 10_000)
    public void loomuxsOwnPropertyWinsOverTheJdks() {
        set("jdk.httpserver.maxConnections", "123", "loomux.http.maxConnections", "456",
                "sun.net.httpserver.idleInterval", "5", "loomux.http.idleTimeout", "7");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        assertEquals(s.maxConnections(), 456);
        assertEquals(s.idleTimeout(), Duration.ofSeconds(7));
    }

    @Test(timeOut = 10_000)
    public void aJdkNoLimitValueKeepsTheDefaultBound() {
        // To the JDK, zero or less means "no limit"; loomux keeps its bound instead.
        set("sun.net.httpserver.maxReqTime", "-1", "jdk.httpserver.maxConnections", "0");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        assertEquals(s.headerTimeout(), Duration.ofSeconds(20));
        assertEquals(s.maxConnections(), 10_000);
    }

    @Test(timeOut = 10_000)
    public void aBadValueNamesItsProperty() {
        // A property, a bad value, and what the error says.
        String[][] cases = {
                {"loomux.http.maxHeaders", "many", "-Dloomux.http.maxHeaders=many"},
                {"loomux.http.idleTimeout", "0", "-Dloomux.http.idleTimeout=0"},
                {"sun.net.httpserver.nodelay", "yes", "neither true nor false"},
                {"loomux.http.pathMatcher", "regex", "neither pathPrefix nor stringPrefix"}};
        for (String[] c : cases) {
            clear();
            set(c[0], c[1]);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                    HttpServerSettings::fromSystemProperties);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }

    @Test(timeOut = 10_000)
    public void hostIsRequiredUnlessSaidOtherwise() {
        assertTrue(HttpServerSettings.defaults().requireHost());
        set("loomux.http.requireHost", "false");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        assertFalse(s.requireHost());
        assertFalse(s.toBuilder().build().requireHost());
        assertTrue(s.toString().contains("requireHost=false"), s.toString());
        assertTrue(HttpServerSettings.builder().requireHost(false).requireHost(true).build().requireHost());
        set("loomux.http.requireHost", "no");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                HttpServerSettings::fromSystemProperties);
        assertTrue(e.getMessage().contains("-Dloomux.http.requireHost=no"), e.getMessage());
    }

    @Test(timeOut = 10_000)
    public void http2SettingsComeFromPropertiesAndKeepTheirRanges() {
        HttpServerSettings d = HttpServerSettings.defaults();
        assertTrue(d.http2(), "HTTP/2 is on by default");
        assertTrue(HttpServerSettings.builder().build().http2(), "a builder starts from the defaults");
        assertFalse(HttpServerSettings.builder().http2(false).build().http2(), "the builder turns it off");
        assertEquals(d.http2MaxConcurrentStreams(), 100);
        assertEquals(d.http2InitialWindowSize(), 65_535);
        assertEquals(d.http2MaxFrameSize(), 16_384);
        assertEquals(d.http2HeaderTableSize(), 4096);
        set("loomux.http.http2", "false", "loomux.http.http2MaxConcurrentStreams", "7",
                "loomux.http.http2InitialWindowSize", "1048576", "loomux.http.http2MaxFrameSize", "32768",
                "loomux.http.http2HeaderTableSize", "1024");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties().toBuilder().build();
        assertFalse(s.http2(), "-Dloomux.http.http2=false turns it off");
        assertEquals(s.http2MaxConcurrentStreams(), 7);
        assertEquals(s.http2InitialWindowSize(), 1_048_576);
        assertEquals(s.http2MaxFrameSize(), 32_768);
        assertEquals(s.http2HeaderTableSize(), 1024);
        assertTrue(s.toString().contains("http2MaxFrameSize=32768"), s.toString());
        HttpServerSettings.Builder b = HttpServerSettings.builder();
        expectThrows(IllegalArgumentException.class, () -> b.http2MaxConcurrentStreams(0));
        expectThrows(IllegalArgumentException.class, () -> b.http2InitialWindowSize(0));
        expectThrows(IllegalArgumentException.class, () -> b.http2MaxFrameSize(16_383));
        expectThrows(IllegalArgumentException.class, () -> b.http2MaxFrameSize(1 << 24));
        expectThrows(IllegalArgumentException.class, () -> b.http2HeaderTableSize(-1));
        expectThrows(IllegalArgumentException.class, () -> b.http2HeaderTableSize(65_537));
        assertEquals(b.http2MaxFrameSize(16_777_215).build().http2MaxFrameSize(), 16_777_215);
        assertEquals(b.http2HeaderTableSize(0).build().http2HeaderTableSize(), 0);
        clear();
        set("loomux.http.http2MaxFrameSize", "100");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class,
                HttpServerSettings::fromSystemProperties);
        assertTrue(e.getMessage().contains("http2MaxFrameSize"), e.getMessage());
    }

    @Test(timeOut = 10_000)
    public void theBuilderRefusesValuesOutOfRange() {
        expectThrows(IllegalArgumentException.class, () -> HttpServerSettings.builder().maxConnections(0));
        expectThrows(IllegalArgumentException.class, () -> HttpServerSettings.builder().maxHeaderBytes(10));
        expectThrows(IllegalArgumentException.class, () -> HttpServerSettings.builder().idleTimeout(Duration.ZERO));
        expectThrows(IllegalArgumentException.class, () -> HttpServerSettings.builder().drainLimit(-1));
        expectThrows(NullPointerException.class, () -> HttpServerSettings.builder().pathMatcher(null));
        HttpServerSettings s = HttpServerSettings.builder().maxHeaders(3).build();
        assertEquals(s.toBuilder().build().maxHeaders(), 3);
    }
}
