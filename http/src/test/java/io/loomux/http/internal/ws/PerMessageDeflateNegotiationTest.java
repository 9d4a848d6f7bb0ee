package io.loomux.http.internal.ws;

import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

import java.util.List;
import java.util.Optional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertThrows;
import static org.testng.Assert.assertTrue;

/** The server's answer to every kind of permessage-deflate offer of RFC 7692 section 7.1. */
public class PerMessageDeflateNegotiationTest {

    private static final PerMessageDeflateConfig DEFAULT = PerMessageDeflateConfig.DEFAULT;
    private static final PerMessageDeflateConfig NO_CONTEXT = new PerMessageDeflateConfig(true, 15);
    private static final PerMessageDeflateConfig CLIENT_WINDOW_10 = new PerMessageDeflateConfig(false, 10);
    private static final String PMD = "permessage-deflate";

    /** Offer headers, the server's config, the answer expected (null: nothing accepted). */
    @DataProvider
    public Object[][] offers() {
        return new Object[][] {
                // Plain offers, other extensions, order, case, several header lines.
                {List.of(), DEFAULT, null},
                {List.of(""), DEFAULT, null},
                {List.of(PMD), DEFAULT, PMD},
                {List.of("x-webkit-deflate-frame"), DEFAULT, null},
                {List.of("x-webkit-deflate-frame, permessage-deflate"), DEFAULT, PMD},
                {List.of("PerMessage-Deflate"), DEFAULT, PMD},
                {List.of("foo; a=1", "permessage-deflate; server_no_context_takeover"), DEFAULT,
                        PMD + "; server_no_context_takeover"},
                {List.of(" , ,permessage-deflate , "), DEFAULT, PMD},
                {List.of("permessage-deflate ;\tclient_max_window_bits = 10 "), CLIENT_WINDOW_10,
                        PMD + "; client_max_window_bits=10"},
                // server_no_context_takeover: echoed; added when the server wants it; no value allowed.
                {List.of("permessage-deflate; server_no_context_takeover"), DEFAULT, PMD + "; server_no_context_takeover"},
                {List.of(PMD), NO_CONTEXT, PMD + "; server_no_context_takeover"},
                {List.of("permessage-deflate; server_no_context_takeover"), NO_CONTEXT, PMD + "; server_no_context_takeover"},
                {List.of("permessage-deflate; server_no_context_takeover=1"), DEFAULT, null},
                {List.of("permessage-deflate; server_no_context_takeover=\"\""), DEFAULT, null},
                // client_no_context_takeover: echoed; no value allowed.
                {List.of("permessage-deflate; client_no_context_takeover"), DEFAULT, PMD + "; client_no_context_takeover"},
                {List.of("permessage-deflate; client_no_context_takeover=true"), DEFAULT, null},
                // server_max_window_bits: only 15 can be honoured by java.util.zip; a value is required.
                {List.of("permessage-deflate; server_max_window_bits=15"), DEFAULT, PMD + "; server_max_window_bits=15"},
                {List.of("permessage-deflate; server_max_window_bits=\"15\""), DEFAULT, PMD + "; server_max_window_bits=15"},
                {List.of("permessage-deflate; server_max_window_bits=14"), DEFAULT, null},
                {List.of("permessage-deflate; server_max_window_bits=8"), DEFAULT, null},
                {List.of("permessage-deflate; server_max_window_bits"), DEFAULT, null},
                {List.of("permessage-deflate; server_max_window_bits=16"), DEFAULT, null},
                {List.of("permessage-deflate; server_max_window_bits=015"), DEFAULT, null},
                {List.of("permessage-deflate; server_max_window_bits=10, permessage-deflate; client_max_window_bits"),
                        DEFAULT, PMD},
                // client_max_window_bits: with or without a value; answered only if the server asks a smaller one.
                {List.of("permessage-deflate; client_max_window_bits"), DEFAULT, PMD},
                {List.of("permessage-deflate; client_max_window_bits=8"), DEFAULT, PMD},
                {List.of("permessage-deflate; client_max_window_bits=15"), DEFAULT, PMD},
                {List.of("permessage-deflate; client_max_window_bits"), CLIENT_WINDOW_10, PMD + "; client_max_window_bits=10"},
                {List.of("permessage-deflate; client_max_window_bits=12"), CLIENT_WINDOW_10, PMD + "; client_max_window_bits=10"},
                {List.of("permessage-deflate; client_max_window_bits=9"), CLIENT_WINDOW_10, PMD + "; client_max_window_bits=9"},
                {List.of("permessage-deflate; client_max_window_bits=\"9\""), CLIENT_WINDOW_10, PMD + "; client_max_window_bits=9"},
                {List.of(PMD), CLIENT_WINDOW_10, PMD},
                {List.of("permessage-deflate; client_max_window_bits=7"), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=16"), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=09"), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=1a"), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=\"\""), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=\"1 0\""), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=-10"), DEFAULT, null},
                // Unknown parameters and duplicates decline the offer; a later offer may still win.
                {List.of("permessage-deflate; foo"), DEFAULT, null},
                {List.of("permessage-deflate; foo=1, permessage-deflate; client_no_context_takeover"), DEFAULT,
                        PMD + "; client_no_context_takeover"},
                {List.of("permessage-deflate; client_no_context_takeover; client_no_context_takeover"), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits; CLIENT_MAX_WINDOW_BITS=10"), DEFAULT, null},
                {List.of("permessage-deflate; server_max_window_bits=15; server_max_window_bits=15"), DEFAULT, null},
                // Everything at once, answered in a fixed order.
                {List.of("permessage-deflate; client_max_window_bits=11; server_max_window_bits=15;"
                        + " client_no_context_takeover; server_no_context_takeover"), CLIENT_WINDOW_10,
                        PMD + "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15;"
                                + " client_max_window_bits=10"},
                // Quoted strings may hold commas, semicolons and escapes: they split nothing.
                {List.of("foo; bar=\"a, permessage-deflate\""), DEFAULT, null},
                {List.of("foo; bar=\"a, b; c\", permessage-deflate; client_no_context_takeover"), DEFAULT,
                        PMD + "; client_no_context_takeover"},
                {List.of("foo; bar=\"a\\\", permessage-deflate\""), DEFAULT, null},
                {List.of("foo; bar=\"a\\\"b\", permessage-deflate"), DEFAULT, PMD},
                // A header that does not parse declines everything, even a good offer before the fault.
                {List.of("permessage-deflate, foo; bar=\"unterminated"), DEFAULT, null},
                {List.of("permessage-deflate;"), DEFAULT, null},
                {List.of("permessage-deflate client_no_context_takeover"), DEFAULT, null},
                {List.of("permessage-deflate; client_max_window_bits=10=11"), DEFAULT, null},
                {List.of("permessage-deflate; =10"), DEFAULT, null},
                {List.of(PMD, "permessage-deflate; (comment)"), DEFAULT, null},
        };
    }

    @Test(dataProvider = "offers")
    public void answersEachOfferAsRfc7692Says(List<String> headers, PerMessageDeflateConfig config, String expected) {
        Optional<PerMessageDeflateParameters> agreed = PerMessageDeflateNegotiation.negotiate(headers, config);
        assertEquals(agreed.map(PerMessageDeflateParameters::responseHeader).orElse(null), expected, headers.toString());
    }

    @Test
    public void theAgreedContextTakeoverFollowsTheAnswer() {
        PerMessageDeflateParameters plain = negotiate(PMD, DEFAULT);
        assertFalse(plain.serverNoContextTakeover());
        assertFalse(plain.clientNoContextTakeover());

        PerMessageDeflateParameters asked = negotiate("permessage-deflate; server_no_context_takeover", DEFAULT);
        assertTrue(asked.serverNoContextTakeover());
        assertFalse(asked.clientNoContextTakeover());

        PerMessageDeflateParameters serverWants = negotiate(PMD, NO_CONTEXT);
        assertTrue(serverWants.serverNoContextTakeover());
        assertFalse(serverWants.clientNoContextTakeover());

        PerMessageDeflateParameters clientPromises = negotiate("permessage-deflate; client_no_context_takeover", DEFAULT);
        assertFalse(clientPromises.serverNoContextTakeover());
        assertTrue(clientPromises.clientNoContextTakeover());
    }

    @Test
    public void theFirstAcceptableOfferWins() {
        PerMessageDeflateParameters agreed = negotiate("permessage-deflate; server_max_window_bits=9,"
                + " permessage-deflate; client_no_context_takeover, permessage-deflate; server_no_context_takeover", DEFAULT);
        assertEquals(agreed.responseHeader(), PMD + "; client_no_context_takeover");
        assertTrue(agreed.clientNoContextTakeover());
        assertFalse(agreed.serverNoContextTakeover());
    }

    @Test
    public void offersParseIntoNamesAndUnescapedValues() {
        List<PerMessageDeflateOffers.Offer> offers = PerMessageDeflateOffers.parse(List.of(
                "a; x=\"q\\\"u,o;te\" ; y, b", "c;z=1"));
        assertEquals(offers, List.of(
                new PerMessageDeflateOffers.Offer("a", List.of(
                        new PerMessageDeflateOffers.Parameter("x", "q\"u,o;te"),
                        new PerMessageDeflateOffers.Parameter("y", null))),
                new PerMessageDeflateOffers.Offer("b", List.of()),
                new PerMessageDeflateOffers.Offer("c", List.of(new PerMessageDeflateOffers.Parameter("z", "1")))));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflateOffers.parse(List.of("a; x=\"\u0001\"")));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflateOffers.parse(List.of("a; x=\"ends\\")));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflateOffers.parse(List.of("a b")));
        assertThrows(IllegalArgumentException.class, () -> PerMessageDeflateOffers.parse(List.of("a; x=")));
    }

    @Test
    public void theConfigRefusesWindowsOutsideTheRfcsRange() {
        assertThrows(IllegalArgumentException.class, () -> new PerMessageDeflateConfig(false, 7));
        assertThrows(IllegalArgumentException.class, () -> new PerMessageDeflateConfig(false, 16));
        assertEquals(new PerMessageDeflateConfig(false, 8).clientMaxWindowBits(), 8);
    }

    private static PerMessageDeflateParameters negotiate(String header, PerMessageDeflateConfig config) {
        return PerMessageDeflateNegotiation.negotiate(List.of(header), config).orElseThrow();
    }
}
