package io.loomux.it;

import io.loomux.BackendInfo;
import io.loomux.BackendSelectionException;
import io.loomux.Loomux;
import io.loomux.server.TcpServer;
import org.testng.annotations.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

/**
 * Scenario 8: naming a backend that is absent is an error that names it and lists every backend
 * found, by builder and by system property; naming each discovered backend selects exactly it,
 * or, if it cannot run here, fails with its reason (never a silent fallback).
 */
public class BackendSelectionTest extends BackendTestBase {

    static final String MISSING = "no-such-backend";

    @Test(timeOut = 30_000)
    public void unknownBackendByBuilderNamesItAndListsAll() {
        BackendSelectionException e = expectThrows(BackendSelectionException.class,
                () -> Loomux.builder().backend(MISSING).build().close());
        assertListsEverything(e);
    }

    @Test(timeOut = 30_000)
    public void unknownBackendBySystemPropertyNamesItAndListsAll() {
        String old = System.getProperty(Loomux.BACKEND_PROPERTY);
        try {
            System.setProperty(Loomux.BACKEND_PROPERTY, MISSING);
            assertListsEverything(expectThrows(BackendSelectionException.class, () -> Loomux.builder().build().close()));
            assertListsEverything(expectThrows(BackendSelectionException.class, () -> Loomux.open().close()));
            // The server selects through the same path.
            assertListsEverything(expectThrows(BackendSelectionException.class,
                    () -> TcpServer.builder().address(new InetSocketAddress(LOOPBACK, 0))
                            .handler(c -> { }).start().close()));
        } finally {
            restore(old);
        }
    }

    @Test(timeOut = 30_000)
    public void unknownBackendByServerBuilder() {
        assertListsEverything(expectThrows(BackendSelectionException.class,
                () -> TcpServer.builder().backend(MISSING).address(new InetSocketAddress(LOOPBACK, 0))
                        .handler(c -> { }).start().close()));
    }

    private static void assertListsEverything(BackendSelectionException e) {
        String msg = e.getMessage();
        assertTrue(msg.contains(MISSING), "message should name '" + MISSING + "': " + msg);
        List<BackendInfo> all = Loomux.backends();
        assertFalse(all.isEmpty(), "ServiceLoader found no backend");
        for (BackendInfo b : all) {
            assertTrue(msg.contains(b.name()), "message should list backend '" + b.name() + "': " + msg);
            if (!b.availability().available()) {
                assertTrue(msg.contains(b.availability().reason()),
                        "message should give why '" + b.name() + "' is unavailable: " + msg);
            }
        }
    }

    /**
     * Not skipped when unavailable: then the assertion is that naming it fails with its reason.
     */
    @Test(dataProvider = "backends", dataProviderClass = Backends.class, timeOut = 30_000)
    public void namingABackendSelectsExactlyIt(Backend backend) throws Exception {
        if (backend.info() == null) {
            Backends.require(backend);
        }
        String old = System.getProperty(Loomux.BACKEND_PROPERTY);
        try {
            if (backend.info().availability().available()) {
                try (Loomux rt = Loomux.builder().backend(backend.name()).build()) {
                    assertEquals(rt.backend().name(), backend.name());
                    assertEquals(rt.backend().providerClass(), backend.info().providerClass());
                    assertTrue(rt.pollers() >= 1, backend + ": pollers " + rt.pollers());
                }
                System.setProperty(Loomux.BACKEND_PROPERTY, backend.name());
                try (Loomux rt = Loomux.builder().build()) {
                    assertEquals(rt.backend().name(), backend.name(), "selected by -D" + Loomux.BACKEND_PROPERTY);
                }
            } else {
                BackendSelectionException e = expectThrows(BackendSelectionException.class,
                        () -> Loomux.builder().backend(backend.name()).build().close());
                assertTrue(e.getMessage().contains(backend.name()) && e.getMessage().contains(backend.info().availability().reason()),
                        backend + ": the error should name it and say why: " + e.getMessage());
                System.setProperty(Loomux.BACKEND_PROPERTY, backend.name());
                expectThrows(BackendSelectionException.class, () -> Loomux.builder().build().close());
            }
        } finally {
            restore(old);
        }
    }

    private static void restore(String old) {
        if (old == null) {
            System.clearProperty(Loomux.BACKEND_PROPERTY);
        } else {
            System.setProperty(Loomux.BACKEND_PROPERTY, old);
        }
    }
}
