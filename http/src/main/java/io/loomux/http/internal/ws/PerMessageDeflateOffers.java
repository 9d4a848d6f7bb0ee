package io.loomux.http.internal.ws;

import java.util.ArrayList;
import java.util.List;

/**
 * The extension offers of {@code Sec-WebSocket-Extensions} request headers, parsed by the grammar
 * of RFC 6455 section 9.1:
 *
 * <pre>
 * extension-list  = 1#extension
 * extension       = extension-token *( ";" extension-param )
 * extension-param = token [ "=" (token | quoted-string) ]
 * </pre>
 *
 * <p>A real parser rather than splitting on commas and semicolons, because a quoted-string may
 * hold either. Several header lines make one list, in order, as HTTP combines repeated fields.
 * Empty list elements ({@code "a, , b"}) are skipped, as HTTP list rules ask of recipients.
 * Whether a quoted value is a valid token after unescaping (section 9.1 demands it) is left to
 * the one who reads the value: every value permessage-deflate knows is a number, which is
 * stricter still.
 */
final class PerMessageDeflateOffers {

    /**
     * One offer of one extension.
     *
     * @param name the extension's name as sent
     * @param parameters its parameters in the order sent, duplicates kept
     */
    record Offer(String name, List<Parameter> parameters) {}

    /**
     * One parameter of an offer.
     *
     * @param name the parameter's name as sent
     * @param value its value, unquoted and unescaped; null when the parameter has no value
     */
    record Parameter(String name, String value) {}

    private final String text;
    private int at;

    private PerMessageDeflateOffers(String text) {
        this.text = text;
    }

    /**
     * @param headerValues the values of every {@code Sec-WebSocket-Extensions} header, in order
     * @return every offer of every extension, in order
     * @throws IllegalArgumentException if a value does not follow the grammar; then nothing in it
     *         can be trusted, not even where one offer ends and the next begins
     */
    static List<Offer> parse(List<String> headerValues) {
        List<Offer> offers = new ArrayList<>();
        for (String value : headerValues) {
            new PerMessageDeflateOffers(value).list(offers);
        }
        return offers;
    }

    private void list(List<Offer> into) {
        while (true) {
            skipSpace();
            if (at == text.length()) {
                return;
            }
            if (text.charAt(at) == ',') {
                at++;
                continue;
            }
            into.add(offer());
            skipSpace();
            if (at < text.length()) {
                expect(',');
            }
        }
    }

    private Offer offer() {
        String name = token();
        List<Parameter> parameters = new ArrayList<>(4);
        while (true) {
            skipSpace();
            if (at == text.length() || text.charAt(at) == ',') {
                return new Offer(name, List.copyOf(parameters));
            }
            expect(';');
            skipSpace();
            String parameter = token();
            skipSpace();
            String value = null;
            if (at < text.length() && text.charAt(at) == '=') {
                at++;
                skipSpace();
                value = at < text.length() && text.charAt(at) == '"' ? quotedString() : token();
            }
            parameters.add(new Parameter(parameter, value));
        }
    }

    private String quotedString() {
        int start = at;
        at++;
        StringBuilder value = new StringBuilder();
        while (at < text.length()) {
            char c = text.charAt(at++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\') {
                if (at == text.length()) {
                    break;
                }
                c = text.charAt(at++);
            }
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                throw malformed("control character in quoted-string");
            }
            value.append(c);
        }
        at = start;
        throw malformed("unterminated quoted-string");
    }

    private String token() {
        int start = at;
        while (at < text.length() && isTokenChar(text.charAt(at))) {
            at++;
        }
        if (at == start) {
            throw malformed("token expected");
        }
        return text.substring(start, at);
    }

    private void expect(char c) {
        if (at == text.length() || text.charAt(at) != c) {
            throw malformed("'" + c + "' expected");
        }
        at++;
    }

    private void skipSpace() {
        while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) {
            at++;
        }
    }

    private IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException(what + " at " + at + " in Sec-WebSocket-Extensions: " + text);
    }

    /** RFC 9110's tchar: visible ASCII except the separators. */
    private static boolean isTokenChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
