package io.loomux.internal;

import io.loomux.BackendInfo;
import io.loomux.BackendSelectionException;
import io.loomux.Loomux;
import io.loomux.spi.Availability;
import io.loomux.spi.Multiplexer;
import io.loomux.spi.MultiplexerProvider;
import io.loomux.spi.Triggering;
import org.testng.annotations.Test;

import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Backend selection over the providers this module's test class path registers through
 * META-INF/services: an available one at priority 1, an unavailable one at priority 1000.
 */
public class SelectionTest {

    /** Available, low priority: the default once the unavailable one is skipped. */
    public static final class Low implements MultiplexerProvider {
        @Override public String name() { return "low"; }
        @Override public int priority() { return 1; }
        @Override public Availability availability() { return Availability.ok(); }
        @Override public Triggering triggering() { return Triggering.EDGE; }
        @Override public Multiplexer open() { return new FakeBackend(Triggering.EDGE).open(); }
    }

    /** Unavailable, high priority: must never be chosen silently. */
    public static final class High implements MultiplexerProvider {
        @Override public String name() { return "high"; }
        @Override public int priority() { return 1000; }
        @Override public Availability availability() { return Availability.unavailable("test double: never available"); }
        @Override public Triggering triggering() { return Triggering.EDGE; }
        @Override public Multiplexer open() { throw new IllegalStateException("unavailable"); }
    }

    @Test
    public void discoveryListsEveryProviderHighestPriorityFirst() {
        List<BackendInfo> all = Loomux.backends();
        assertEquals(all.stream().map(BackendInfo::name).toList(), List.of("high", "low"));
        assertFalse(all.get(0).availability().available());
        assertEquals(all.get(0).availability().reason(), "test double: never available");
        assertEquals(all.get(1).providerClass(), Low.class.getName());
    }

    @Test
    public void defaultIsTheHighestPriorityAvailable() {
        assertEquals(Selection.select(null).name(), "low");
        assertEquals(Selection.select(" ").name(), "low");
    }

    @Test
    public void unknownNameFailsListingWhatWasFound() {
        BackendSelectionException e = expectThrows(BackendSelectionException.class,
                () -> Loomux.builder().backend("nope").build());
        assertTrue(e.getMessage().contains("'nope' not found"), e.getMessage());
        assertTrue(e.getMessage().contains("high (priority 1000, unavailable: test double: never available)"), e.getMessage());
        assertTrue(e.getMessage().contains("low (priority 1, available)"), e.getMessage());
    }

    @Test
    public void unavailableNameFailsWithItsReasonAndNeverFallsBack() {
        BackendSelectionException e = expectThrows(BackendSelectionException.class,
                () -> Loomux.builder().backend("high").build());
        assertTrue(e.getMessage().contains("'high' is unavailable: test double: never available"), e.getMessage());
    }

    @Test
    public void systemPropertyNamesTheBackend() throws Exception {
        String old = System.getProperty(Loomux.BACKEND_PROPERTY);
        try {
            System.setProperty(Loomux.BACKEND_PROPERTY, "missing-one");
            BackendSelectionException e = expectThrows(BackendSelectionException.class, Loomux::open);
            assertTrue(e.getMessage().contains("-D" + Loomux.BACKEND_PROPERTY), e.getMessage());
            System.setProperty(Loomux.BACKEND_PROPERTY, "LOW");
            try (Loomux l = Loomux.open()) {
                assertEquals(l.backend().name(), "low");
            }
        } finally {
            if (old == null) {
                System.clearProperty(Loomux.BACKEND_PROPERTY);
            } else {
                System.setProperty(Loomux.BACKEND_PROPERTY, old);
            }
        }
    }

    @Test
    public void unavailableNeedsAReason() {
        expectThrows(IllegalArgumentException.class, () -> Availability.unavailable(" "));
        expectThrows(IllegalArgumentException.class, () -> Loomux.builder().pollers(-2));
    }
}
