package io.loomux.http.internal;

import com.sun.net.httpserver.Headers;
import org.testng.annotations.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNull;
import static org.testng.Assert.assertSame;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

/** The read-only request headers against the JDK's own {@link Headers} as the oracle. */
public class RequestHeadersTest {

    private static final List<String> NAMES = List.of("host", "Host", "HOST", "hOST", "content-length",
            "Content-Length", "X-Forwarded-For", "x", "X", "1abc", "_a-B", "a", "Accept-Encoding", "é-Name", "");

    @Test
    public void namesAreNormalisedAsTheJdksHeadersDo() {
        for (String name : NAMES) {
            Headers jdk = new Headers();
            jdk.add(name, "v");
            String expected = jdk.keySet().iterator().next();
            assertEquals(FieldNames.normalise(name), expected, "normalising '" + name + "'");
        }
        String inForm = "Content-length";
        assertSame(FieldNames.normalise(inForm), inForm, "a name in form is returned as it is");
        assertThrows(IllegalArgumentException.class, () -> FieldNames.normalise("X\r\nInjected"));
        assertThrows(IllegalArgumentException.class, () -> FieldNames.normalise("\nX"));
    }

    @Test
    public void aCommonNameTakesItsConstantInNormalForm() {
        for (String name : List.of("host", "HOST", "content-length", "Content-Length", "user-agent", "X-Forwarded-For",
                "accept-ENCODING", "te", "upgrade-insecure-requests")) {
            String line = name + ": v";
            String common = FieldNames.common(line, name.length());
            assertEquals(common, FieldNames.normalise(name), name);
        }
        for (String name : List.of("x-custom", "hosts", "hos", "content-lengths", "")) {
            assertNull(FieldNames.common(name + ": v", name.length()), name);
        }
    }

    @Test
    public void lookupsMatchTheJdksHeadersInAnyCase() {
        RequestHeaders h = sample();
        Headers jdk = new Headers();
        jdk.add("Host", "example");
        jdk.add("x-multi", "a");
        jdk.add("X-MULTI", "b");
        assertEquals(h, jdk);
        assertEquals(h.hashCode(), jdk.hashCode());
        assertEquals(h.getFirst("HOST"), "example");
        assertEquals(h.get("x-Multi"), List.of("a", "b"));
        assertTrue(h.containsKey("x-multi"));
        assertFalse(h.containsKey(42));
        assertNull(h.get("absent"));
        assertNull(h.getFirst("absent"));
        assertEquals(h.size(), 2);
        RequestHeaders one = new RequestHeaders();
        one.append("host", "example");
        Headers jdkOne = new Headers();
        jdkOne.add("host", "example");
        assertEquals(one.seal().toString(), jdkOne.toString());
    }

    @Test
    public void everyMutatorThrowsAndEveryViewIsReadOnly() {
        RequestHeaders h = sample();
        List<Consumer<RequestHeaders>> mutators = List.of(
                x -> x.add("A", "b"), x -> x.set("A", "b"), x -> x.put("A", List.of("b")), x -> x.remove("Host"),
                x -> x.putAll(Map.of("A", List.of("b"))), Headers::clear, x -> x.replace("Host", List.of("b")),
                x -> x.replace("Host", List.of("example"), List.of("b")), x -> x.replaceAll((k, v) -> v),
                x -> x.putIfAbsent("A", List.of("b")), x -> x.computeIfAbsent("A", k -> List.of("b")),
                x -> x.merge("Host", List.of("b"), (a, b) -> b), x -> x.keySet().remove("Host"),
                x -> x.values().clear(), x -> x.entrySet().iterator().next().setValue(List.of("b")),
                x -> x.get("Host").add("b"), x -> x.get("X-multi").add("c"), x -> x.get("X-multi").set(0, "c"));
        for (int i = 0; i < mutators.size(); i++) {
            Consumer<RequestHeaders> m = mutators.get(i);
            assertThrows("mutator " + i, UnsupportedOperationException.class, () -> m.accept(h));
        }
        assertEquals(h, sample(), "nothing changed");
        assertThrows(IllegalStateException.class, () -> h.append("Late", "v"));
    }

    private static RequestHeaders sample() {
        RequestHeaders h = new RequestHeaders();
        h.append("Host", "example");
        h.append("x-multi", "a");
        h.append("X-MULTI", "b");
        return h.seal();
    }
}
