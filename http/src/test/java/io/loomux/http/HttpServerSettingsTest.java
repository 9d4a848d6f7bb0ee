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
            "loomux.http.maxRequestLineLength", "loomux.http.pathMatcher", "sun.net.httpserver.pathMatcher");

    @AfterMethod
    public void clear() {
        PROPERTIES.forEach(System::clearProperty);
    }

    @Test
    public void withNoPropertiesTheDefaultsApply() {
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        HttpServerSettings d = HttpServerSettings.defaults();
        assertEquals(s.toString(), d.toString());
        assertEquals(d.maxConnections(), 10_000);
        assertEquals(d.maxHeaders(), 200);
        assertEquals(d.maxHeaderBytes(), 65_536);
        assertEquals(d.idleTimeout(), Duration.ofSeconds(30));
        assertEquals(d.headerTimeout(), Duration.ofSeconds(20));
        assertEquals(d.drainLimit(), 65_536);
        assertTrue(d.tcpNoDelay());
        assertEquals(d.pathMatcher(), HttpServerSettings.PathMatcher.STRING_PREFIX);
    }

    @Test
    public void theJdksPropertiesAreHonoured() {
        System.setProperty("jdk.httpserver.maxConnections", "123");
        System.setProperty("sun.net.httpserver.maxReqHeaders", "7");
        System.setProperty("sun.net.httpserver.maxReqHeaderSize", "4096");
        System.setProperty("sun.net.httpserver.idleInterval", "5");
        System.setProperty("sun.net.httpserver.maxReqTime", "2.5");
        System.setProperty("sun.net.httpserver.drainAmount", "10");
        System.setProperty("sun.net.httpserver.nodelay", "false");
        System.setProperty("sun.net.httpserver.pathMatcher", "pathPrefix");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        assertEquals(s.maxConnections(), 123);
        assertEquals(s.maxHeaders(), 7);
        assertEquals(s.maxHeaderBytes(), 4096);
        assertEquals(s.idleTimeout(), Duration.ofSeconds(5));
        assertEquals(s.headerTimeout(), Duration.ofMillis(2500));
        assertEquals(s.drainLimit(), 10);
        assertFalse(s.tcpNoDelay());
        assertEquals(s.pathMatcher(), HttpServerSettings.PathMatcher.PATH_PREFIX);
    }

    @Test
    public void loomuxsOwnPropertyWinsOverTheJdks() {
        System.setProperty("jdk.httpserver.maxConnections", "123");
        System.setProperty("loomux.http.maxConnections", "456");
        System.setProperty("sun.net.httpserver.idleInterval", "5");
        System.setProperty("loomux.http.idleTimeout", "7");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        assertEquals(s.maxConnections(), 456);
        assertEquals(s.idleTimeout(), Duration.ofSeconds(7));
    }

    @Test
    public void aJdkNoLimitValueKeepsTheDefaultBound() {
        // To the JDK, zero or less means "no limit"; loomux keeps its bound instead.
        System.setProperty("sun.net.httpserver.maxReqTime", "-1");
        System.setProperty("jdk.httpserver.maxConnections", "0");
        HttpServerSettings s = HttpServerSettings.fromSystemProperties();
        assertEquals(s.headerTimeout(), Duration.ofSeconds(20));
        assertEquals(s.maxConnections(), 10_000);
    }

    @Test
    public void aBadValueNamesItsProperty() {
        System.setProperty("loomux.http.maxHeaders", "many");
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, HttpServerSettings::fromSystemProperties);
        assertTrue(e.getMessage().contains("-Dloomux.http.maxHeaders=many"), e.getMessage());
        clear();
        System.setProperty("loomux.http.idleTimeout", "0");
        e = expectThrows(IllegalArgumentException.class, HttpServerSettings::fromSystemProperties);
        assertTrue(e.getMessage().contains("-Dloomux.http.idleTimeout=0"), e.getMessage());
        clear();
        System.setProperty("sun.net.httpserver.nodelay", "yes");
        e = expectThrows(IllegalArgumentException.class, HttpServerSettings::fromSystemProperties);
        assertTrue(e.getMessage().contains("neither true nor false"), e.getMessage());
        clear();
        System.setProperty("loomux.http.pathMatcher", "regex");
        e = expectThrows(IllegalArgumentException.class, HttpServerSettings::fromSystemProperties);
        assertTrue(e.getMessage().contains("neither pathPrefix nor stringPrefix"), e.getMessage());
    }

    @Test
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
