package io.loomux.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * An {@link HttpClient} that records the version of every response it gets, so that a suite run
 * over HTTP/2 can tell it was not silently served HTTP/1.1; or that fails at once on a response
 * over any version but the one it requires.
 */
final class RecordingClient extends HttpClient {

    /** A response's request and version. */
    record Seen(HttpRequest request, Version version) {
    }

    private final HttpClient client;
    private final Version required;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    RecordingClient(HttpClient client) {
        this(client, null);
    }

    private RecordingClient(HttpClient client, Version required) {
        this.client = client;
        this.required = required;
    }

    /**
     * @return a client whose every response must come over the version, else its send fails
     *     with an {@link AssertionError}: over TLS, ALPN settles the protocol before the first
     *     request, so no request excuses another version
     */
    static RecordingClient requiring(HttpClient client, Version version) {
        return new RecordingClient(client, version);
    }

    /** @return the responses so far */
    List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return client.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return client.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return client.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return client.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return client.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return client.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return client.authenticator();
    }

    @Override
    public Version version() {
        return client.version();
    }

    @Override
    public Optional<Executor> executor() {
        return client.executor();
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return record(request, client.send(request, handler));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        return client.sendAsync(request, handler).thenApply(r -> record(request, r));
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> push) {
        return client.sendAsync(request, handler, push).thenApply(r -> record(request, r));
    }

    private <T> HttpResponse<T> record(HttpRequest request, HttpResponse<T> r) {
        seen.add(new Seen(request, r.version()));
        if (required != null && r.version() != required) {
            throw new AssertionError(request + " was answered over " + r.version() + ", not " + required);
        }
        return r;
    }

    @Override
    public void close() {
        client.close();
    }
}
