package io.loomux.http.internal;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpHandler;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * How an exchange reaches its handler, whatever protocol carries it: the context's filters, then
 * its authenticator, then the handler, on the server's executor when one is set; the JDK's
 * answers when no context or handler matches, when the executor refuses, and when the handler
 * fails. One place, so that HTTP/1.1 and HTTP/2 exchanges cannot drift apart.
 */
public final class HandlerChain {

    private static final System.Logger LOG = System.getLogger("io.loomux.http");

    private HandlerChain() {
    }

    /**
     * Runs the exchange's handler, on this thread or handed to the executor. Returns once the
     * handler has run here, or has been handed on; the caller waits for the exchange's end in its
     * own protocol's way.
     *
     * @param x        the exchange
     * @param context  the context the request matched, or null
     * @param executor the server's executor, or null to run on this thread
     * @throws IOException if answering a request that has no handler failed
     */
    public static void start(AbstractExchange x, ContextImpl context, Executor executor) throws IOException {
        if (context == null || context.getHandler() == null) {
            reject(x, context == null ? 404 : 500,
                    context == null ? "No context found for request" : "No handler for context");
            return;
        }
        if (executor == null) {
            invoke(x, context);
            return;
        }
        try {
            executor.execute(() -> invoke(x, context));
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "the executor refused " + x, e);
            reject(x, 503, "The server is too busy");
            x.mustClose();
        }
    }

    /** The JDK's answer when no context or handler matches: a short HTML page. */
    private static void reject(AbstractExchange x, int status, String message) throws IOException {
        byte[] body = Status.page(status, message);
        x.getResponseHeaders().set("Content-type", "text/html");
        x.sendResponseHeaders(status, body.length);
        if (!"HEAD".equals(x.getRequestMethod())) {
            // A HEAD's response has no body: sendResponseHeaders has already ended it.
            x.getResponseBody().write(body);
        }
        x.close();
    }

    /**
     * Runs the context's filters, then the authenticator, then the handler, on whichever thread
     * runs this. The order is the JDK's: its authenticator is a system filter that runs after the
     * user's filters, so a logging filter also sees the requests it refuses.
     */
    private static void invoke(AbstractExchange x, ContextImpl context) {
        x.handlerThread(Thread.currentThread());
        try {
            HttpHandler handler = context.getHandler();
            Authenticator auth = context.getAuthenticator();
            HttpHandler guarded = auth == null ? handler : e -> {
                if (authenticate(x, auth)) {
                    handler.handle(e);
                }
            };
            List<Filter> filters = context.getFilters();
            if (filters.isEmpty()) {
                guarded.handle(x.facade());
            } else {
                new Filter.Chain(filters, guarded).doFilter(x.facade());
            }
        } catch (Throwable t) {
            handlerFailed(x, t);
            if (t instanceof Error e) {
                throw e;
            }
        } finally {
            x.handlerThread(null);
        }
    }

    /**
     * As the JDK's authentication filter: success sets the principal and goes on; retry and
     * failure answer with their status and no body.
     */
    private static boolean authenticate(AbstractExchange x, Authenticator auth) throws IOException {
        Authenticator.Result r = auth.authenticate(x.facade());
        if (r instanceof Authenticator.Success s) {
            x.principal(s.getPrincipal());
            return true;
        }
        int status;
        if (r instanceof Authenticator.Retry retry) {
            status = retry.getResponseCode();
        } else if (r instanceof Authenticator.Failure failure) {
            status = failure.getResponseCode();
        } else {
            throw new IllegalStateException("the authenticator returned " + r);
        }
        x.sendResponseHeaders(status, -1);
        return false;
    }

    /**
     * A handler threw. If its response is whole (and the request read or drained), the
     * connection serves on, as the JDK's does. Otherwise the exchange is aborted, the client
     * cannot tell where the response ends; if no response went out yet the client first gets 500
     * (the JDK closes the connection without an answer), or the refusal of a request body with
     * bad framing (400), which is what the handler's read failed on.
     */
    private static void handlerFailed(AbstractExchange x, Throwable t) {
        if (x.finishIfWhole()) {
            // With an executor the connection's thread may already serve the next request: this
            // thread must not touch the exchange's state any more.
            LOG.log(System.Logger.Level.WARNING, "the handler for " + x + " failed after its response was whole", t);
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "the handler for " + x + " failed", t);
        if (!x.headersSent()) {
            try {
                x.mustClose();
                HttpError refusal = x.requestRefusal();
                int status = refusal == null ? 500 : refusal.status;
                byte[] body = Status.page(status, refusal == null ? "" : refusal.getMessage());
                x.getResponseHeaders().clear();
                x.getResponseHeaders().set("Content-type", "text/html");
                x.sendResponseHeaders(status, body.length);
                // The protocol's own stream: a filter's wrapper may be what failed.
                OutputStream raw = x.rawResponseBody();
                raw.write(body, 0, body.length);
                raw.flush();
            } catch (IOException | RuntimeException ignored) {
                // The exchange is aborted below.
            }
        }
        x.abort();
    }
}
