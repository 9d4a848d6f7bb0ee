package io.loomux.tck;

import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.testng.ITestContext;
import org.testng.ITestResult;
import org.testng.annotations.Test;

/**
 * The kit's account of the rules it skipped in one run, for its last check: a kit that could not
 * run a rule has not proven it, so every skip but a {@link NotApplicable} one counts against the
 * backend.
 */
final class SkippedRules {

    private SkippedRules() {
    }

    /**
     * @param context the TestNG run
     * @param kit the kit instance whose rules count (a suite may run several)
     * @return why the rules of {@code kit} were skipped, each reason with the rules skipped for
     *     it, leaving out the skips the kit accepts; empty when every applicable rule ran
     */
    static Map<String, Set<String>> unaccepted(ITestContext context, MultiplexerVerification kit) {
        Set<String> rules = new HashSet<>();
        for (Method m : MultiplexerVerification.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Test.class)) {
                rules.add(m.getName());
            }
        }
        Map<String, Set<String>> skippedBecause = new TreeMap<>();
        for (ITestResult r : context.getSkippedTests().getAllResults()) {
            boolean aRuleOfThisRun = r.getInstance() == kit && rules.contains(r.getMethod().getMethodName());
            if (aRuleOfThisRun && !(r.getThrowable() instanceof NotApplicable)) {
                String why = r.getThrowable() != null ? String.valueOf(r.getThrowable().getMessage())
                        : "TestNG skipped it (a configuration method failed, or a rule it depends on)";
                skippedBecause.computeIfAbsent(why, k -> new TreeSet<>()).add(r.getMethod().getMethodName());
            }
        }
        return skippedBecause;
    }
}
