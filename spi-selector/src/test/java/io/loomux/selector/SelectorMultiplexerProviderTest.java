package io.loomux.selector;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

import io.loomux.spi.Availability;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.PollSet;
import io.loomux.spi.Triggering;

import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.ServiceLoader;

import org.testng.annotations.Test;

/** The provider as ServiceLoader finds it: name, priority, triggering, availability, open. */
public class SelectorMultiplexerProviderTest {

    private static MultiplexerProvider found() {
        List<MultiplexerProvider> selectors = ServiceLoader.load(MultiplexerProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals("selector"))
                .toList();
        assertEquals(selectors.size(), 1, "exactly one provider named selector: " + selectors);
        return selectors.get(0);
    }

    @Test
    public void serviceLoaderFindsItWithNamePriorityAndTriggering() {
        MultiplexerProvider p = found();
        assertTrue(p instanceof SelectorMultiplexerProvider, p.getClass().getName());
        assertEquals(p.name(), "selector");
        assertEquals(p.priority(), 10);
        assertEquals(p.triggering(), Triggering.ONE_SHOT);
    }

    @Test
    public void availableHereAndRemembered() {
        MultiplexerProvider p = new SelectorMultiplexerProvider();
        Availability a = p.availability();
        assertTrue(a.available(), a.reason());
        assertEquals(a.reason(), "");
        assertSame(p.availability(), a, "computed once");
    }

    @Test
    public void openGivesIndependentInstances() throws Exception {
        MultiplexerProvider p = found();
        try (Multiplexer a = p.open(); Multiplexer b = p.open()) {
            assertNotNull(a);
            assertTrue(a != b);
            try (PollSet ps = a.openPollSet()) {
                assertEquals(ps.poll(0, (att, ev) -> { }), 0);
            }
        }
    }

    @Test
    public void closedMultiplexerOpensNothing() throws Exception {
        Multiplexer m = new SelectorMultiplexerProvider().open();
        m.close();
        assertThrows(ClosedChannelException.class, m::openPollSet);
        assertThrows(ClosedChannelException.class,
                () -> m.listen(Loopback.loopback4(), 0, java.util.Map.of()));
    }
}
