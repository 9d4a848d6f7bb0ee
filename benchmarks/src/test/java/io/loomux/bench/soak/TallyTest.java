package io.loomux.bench.soak;

import org.testng.annotations.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.testng.Assert.assertEquals;

/** A lost connection's problem gets the server's account of it, once, when the server gave one. */
public class TallyTest {

    private static final String A = " [client /127.0.0.5:40000]";
    private static final String B = " [client /127.0.0.6:40001]";

    @Test
    public void aLossGetsTheServersAccountOnceAndOneWithoutSaysSoAtTheEnd() {
        Tally t = new Tally();
        t.lost(Kind.HTTPS, "https connection 1 message 0: ended by the server side" + A);
        t.lost(Kind.HTTPS, "https connection 2 message 3: ended by the server side" + B);
        t.problem("a server does not answer");
        Map<String, String> accounts = new java.util.HashMap<>();
        accounts.put("/127.0.0.5:40000", "closed: idle");
        t.explain(a -> Optional.ofNullable(accounts.get(a)), false);
        // A later account of the same address (a later connection) does not replace it.
        accounts.put("/127.0.0.5:40000", "ended: reset");
        t.explain(a -> Optional.ofNullable(accounts.get(a)), false);
        assertEquals(t.problems(), List.of(
                "lost: https connection 1 message 0: ended by the server side" + A + " (the server: closed: idle)",
                "lost: https connection 2 message 3: ended by the server side" + B,
                "a server does not answer"));
        t.explain(a -> Optional.ofNullable(accounts.get(a)), true);
        assertEquals(t.problems().get(1),
                "lost: https connection 2 message 3: ended by the server side" + B + " (the server kept no account of it)");
        assertEquals(t.problems().get(2), "a server does not answer");
    }
}
