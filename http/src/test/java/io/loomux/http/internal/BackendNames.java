package io.loomux.http.internal;

import io.loomux.BackendInfo;
import io.loomux.Loomux;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;

import java.io.IOException;
import java.util.List;

/**
 * The data provider of this package's tests that run once per backend ServiceLoader finds, and
 * the runtime each opens on it.
 */
public final class BackendNames {

    private BackendNames() {
    }

    /** @return one row per backend found, holding its name */
    @DataProvider(name = "backends")
    public static Object[][] backends() {
        List<BackendInfo> found = Loomux.backends();
        Object[][] rows = new Object[found.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {found.get(i).name()};
        }
        return rows;
    }

    /**
     * @param backend a backend's name
     * @return a runtime of one poller on the backend; skips the test where it cannot run
     */
    static Loomux open(String backend) throws IOException {
        for (BackendInfo b : Loomux.backends()) {
            if (b.name().equals(backend) && !b.availability().available()) {
                throw new SkipException("backend " + backend + " is unavailable here: " + b.availability().reason());
            }
        }
        return Loomux.builder().backend(backend).pollers(1).build();
    }
}
