package io.loomux.it;

import io.loomux.BackendInfo;
import io.loomux.Loomux;
import org.testng.SkipException;
import org.testng.annotations.DataProvider;

import java.util.List;

/**
 * The one data provider every scenario uses: every backend {@link java.util.ServiceLoader} finds,
 * as {@link Loomux#backends()} lists them. Never a hand-picked list, so a backend added later (a
 * native epoll module, a third party's plugin on the test class path) gets every scenario for
 * free, and one that cannot run here shows up as skipped with its reason.
 */
public final class Backends {

    /**
     * @return one row per discovered backend; a single placeholder row when none is found, so
     *     that the absence fails loudly in {@link #require(Backend)} instead of running no test
     */
    @DataProvider(name = "backends")
    public static Object[][] all() {
        List<BackendInfo> found = Loomux.backends();
        if (found.isEmpty()) {
            return new Object[][] {{new Backend(null)}};
        }
        Object[][] rows = new Object[found.size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Object[] {new Backend(found.get(i))};
        }
        return rows;
    }

    /**
     * Stops a test that cannot run on this backend here.
     *
     * @param backend the parameter
     * @throws SkipException  if the backend is unavailable, with its own reason
     * @throws AssertionError if ServiceLoader found no backend at all
     */
    public static void require(Backend backend) {
        if (backend.info() == null) {
            throw new AssertionError("ServiceLoader found no loomux backend on the test class path;"
                    + " loomux-spi-selector at least should be there");
        }
        if (!backend.info().availability().available()) {
            throw new SkipException("backend '" + backend.name() + "' is unavailable here: "
                    + backend.info().availability().reason());
        }
    }

    private Backends() {
    }
}
