package io.loomux.http.internal.ws;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The server's side of the permessage-deflate negotiation (RFC 7692 section 5 and 7.1): the first
 * offer the server can honour wins, as RFC 6455 lets a client list offers in its order of
 * preference; the others are declined by being left out of the answer.
 *
 * <p>An offer is declined (section 5) when it has a parameter this extension does not define,
 * the same parameter twice, or a bad value: a value on {@code server_no_context_takeover} or
 * {@code client_no_context_takeover}, a missing value on {@code server_max_window_bits}, or a
 * window size that is not 8 to 15 written without leading zeros. Names of extensions and
 * parameters are compared ignoring case, as HTTP compares parameter names.
 *
 * <p>{@code server_max_window_bits} below 15 is declined too. The client may only offer it as a
 * demand (section 7.1.2.1: the server accepts by answering the same or a smaller value, and then
 * must compress within it), and {@link java.util.zip.Deflater} cannot compress with less than a
 * 32 KiB window, so the server cannot keep such a promise; "a server declines an extension
 * negotiation offer with this parameter if the server doesn't support it". Clients that want a
 * small window but can live without it send a second, plainer offer, which is then taken.
 * {@code server_max_window_bits=15} is accepted and answered with 15, as the section requires.
 *
 * <p>{@code client_max_window_bits} is always acceptable: {@link java.util.zip.Inflater} reads
 * any window up to 15 bits, so whatever window the client uses, with or without a value in the
 * offer, the server can decompress. It is answered only when the server's settings ask the client
 * for a smaller window (section 7.1.2.2 forbids answering it when it was not offered).
 *
 * <p>{@code client_no_context_takeover} in an offer is the client's promise; the server echoes it
 * (section 7.1.1.2 allows that), which makes the promise binding and lets the decompressor start
 * each message empty. {@code server_no_context_takeover} is answered when the client asks for it
 * (accepting the offer requires it, section 7.1.1.1) or when the server's settings want it.
 */
final class PerMessageDeflateNegotiation {

    /** The extension's registered name. */
    static final String NAME = "permessage-deflate";

    private PerMessageDeflateNegotiation() {
    }

    /**
     * @param headerValues the values of the request's {@code Sec-WebSocket-Extensions} headers, in
     *        order; empty when there are none
     * @param config what the server will agree to
     * @return the parameters agreed from the first acceptable permessage-deflate offer, or empty if
     *         there is none, or if the header does not parse (its offers' bounds are unknown then)
     */
    static Optional<PerMessageDeflateParameters> negotiate(List<String> headerValues, PerMessageDeflateConfig config) {
        List<PerMessageDeflateOffers.Offer> offers;
        try {
            offers = PerMessageDeflateOffers.parse(headerValues);
        } catch (IllegalArgumentException malformed) {
            return Optional.empty();
        }
        for (PerMessageDeflateOffers.Offer offer : offers) {
            if (offer.name().equalsIgnoreCase(NAME)) {
                PerMessageDeflateParameters agreed = accept(offer, config);
                if (agreed != null) {
                    return Optional.of(agreed);
                }
            }
        }
        return Optional.empty();
    }

    /** @return the agreement for this offer, or null to decline it */
    private static PerMessageDeflateParameters accept(PerMessageDeflateOffers.Offer offer, PerMessageDeflateConfig config) {
        boolean serverNoContextTakeover = false;
        boolean clientNoContextTakeover = false;
        int serverMaxWindowBits = 0;
        boolean clientMaxWindowBitsOffered = false;
        int clientMaxWindowBits = PerMessageDeflateConfig.MAX_WINDOW_BITS;
        Set<String> seen = new HashSet<>();
        for (PerMessageDeflateOffers.Parameter parameter : offer.parameters()) {
            String name = parameter.name().toLowerCase(Locale.ROOT);
            String value = parameter.value();
            if (!seen.add(name)) {
                return null;
            }
            switch (name) {
                case "server_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                    serverNoContextTakeover = true;
                }
                case "client_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                    clientNoContextTakeover = true;
                }
                case "server_max_window_bits" -> {
                    serverMaxWindowBits = windowBits(value);
                    if (serverMaxWindowBits < PerMessageDeflateConfig.MAX_WINDOW_BITS) {
                        return null;
                    }
                }
                case "client_max_window_bits" -> {
                    clientMaxWindowBitsOffered = true;
                    if (value != null) {
                        clientMaxWindowBits = windowBits(value);
                        if (clientMaxWindowBits == 0) {
                            return null;
                        }
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        serverNoContextTakeover |= config.serverNoContextTakeover();
        StringBuilder answer = new StringBuilder(NAME);
        if (serverNoContextTakeover) {
            answer.append("; server_no_context_takeover");
        }
        if (clientNoContextTakeover) {
            answer.append("; client_no_context_takeover");
        }
        if (serverMaxWindowBits != 0) {
            answer.append("; server_max_window_bits=").append(PerMessageDeflateConfig.MAX_WINDOW_BITS);
        }
        if (clientMaxWindowBitsOffered && config.clientMaxWindowBits() < PerMessageDeflateConfig.MAX_WINDOW_BITS) {
            answer.append("; client_max_window_bits=").append(Math.min(clientMaxWindowBits, config.clientMaxWindowBits()));
        }
        return new PerMessageDeflateParameters(serverNoContextTakeover, clientNoContextTakeover, answer.toString());
    }

    /**
     * @param value a window size as sent, or null
     * @return 8 to 15, or 0 if the value is missing, has leading zeros, or is out of range (RFC 7692
     *         section 7.1.2: "a decimal integer value without leading zeroes between 8 to 15")
     */
    private static int windowBits(String value) {
        if (value == null) {
            return 0;
        }
        if (value.length() == 1 && (value.charAt(0) == '8' || value.charAt(0) == '9')) {
            return value.charAt(0) - '0';
        }
        if (value.length() == 2 && value.charAt(0) == '1' && value.charAt(1) >= '0' && value.charAt(1) <= '5') {
            return 10 + value.charAt(1) - '0';
        }
        return 0;
    }
}
