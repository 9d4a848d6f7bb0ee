package io.loomux.http.internal;

import io.loomux.BackendInfo;
import io.loomux.Loomux;
import org.testng.annotations.DataProvider;

import java.util.List;

/** The data provider of this package's tests that run once per backend ServiceLoader finds. */
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
}
