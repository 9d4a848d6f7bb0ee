package io.loomux.http.internal;

import io.loomux.http.HttpServerSettings;

import java.net.URI;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * An HTTP/1.1 request that asks to go on in HTTP/2 ({@code Upgrade: h2c}, RFC 7540 section 3.2,
 * what the JDK's {@code HttpClient} and {@code curl --http2} send to an {@code http://} URL),
 * taken: the server answers 101 and serves the request as HTTP/2's stream 1.
 *
 * <p>An upgrade is taken only when it is whole and cheap: {@code Upgrade} names {@code h2c},
 * {@code Connection} names {@code Upgrade} and {@code HTTP2-Settings}, exactly one
 * {@code HTTP2-Settings} holds base64url of a SETTINGS payload, no {@code 100-continue} is
 * awaited, and a body, if any, has a length no larger than a stream's window (it is read whole
 * before the 101, as the RFC wants it before any frame). Else the request is served as HTTP/1.1,
 * which the RFC allows.
 *
 * @param method   the request's method
 * @param uri      its target
 * @param headers  its header fields, as the handler sees them
 * @param body     its whole body, empty if none
 * @param settings the decoded HTTP2-Settings: the client's first SETTINGS payload
 */
public record H2cUpgrade(String method, URI uri, RequestHeaders headers, byte[] body, byte[] settings) {

    /**
     * @return the decoded HTTP2-Settings if the upgrade the request asks for is to be taken; null
     *     to serve it as HTTP/1.1
     */
    static byte[] settingsToTake(RequestHead head, HttpServerSettings settings) {
        List<String> upgrade = head.headers().normal("Upgrade");
        if (upgrade == null || !hasToken(upgrade, "h2c")) {
            return null;
        }
        List<String> connection = head.headers().normal("Connection");
        if (connection == null || !hasToken(connection, "upgrade") || !hasToken(connection, "http2-settings")) {
            return null;
        }
        List<String> given = head.headers().normal("Http2-settings");
        if (given == null || given.size() != 1 || head.http10() || head.expectContinue() || head.contentLength() < 0
                || head.contentLength() > settings.http2InitialWindowSize()) {
            return null;
        }
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(given.get(0).trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
        return payload.length % 6 == 0 ? payload : null;
    }

    private static boolean hasToken(List<String> values, String token) {
        for (String v : values) {
            for (String t : v.split(",")) {
                if (t.trim().toLowerCase(Locale.ROOT).equals(token)) {
                    return true;
                }
            }
        }
        return false;
    }
}
