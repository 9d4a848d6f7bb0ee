package io.loomux.http.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Checks what a connection wrote: a sequence of well-formed HTTP/1.1 responses (interim 1xx
 * ones included), each framed exactly, one per handler call plus the server's own answers, and
 * nothing at all after a response that ends the connection (Connection: close, a body that runs
 * to the close, or an exchange whose request body could not be read).
 */
final class Responses {

    private Responses() {
    }

    private static final class Reader {
        final byte[] b;
        int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        /** @return the next CRLF-ended line, without it */
        String line() {
            for (int i = pos; i < b.length; i++) {
                if (b[i] == '\n') {
                    if (i == pos || b[i - 1] != '\r') {
                        throw fail("a response line not ended by CRLF", pos);
                    }
                    String s = new String(b, pos, i - 1 - pos, StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    if (s.indexOf('\r') >= 0) {
                        throw fail("a bare CR in a response line", pos);
                    }
                    return s;
                }
            }
            throw fail("the output ends inside a response line", pos);
        }

        void skip(long n, String what) {
            if (b.length - pos < n) {
                throw fail("the output ends inside " + what + " (" + n + " bytes declared, "
                        + (b.length - pos) + " written)", pos);
            }
            pos += (int) n;
        }

        AssertionError fail(String what, int at) {
            return new AssertionError(what + " at byte " + at + " of the output:\n"
                    + new String(b, StandardCharsets.ISO_8859_1));
        }
    }

    /** @param run a finished connection */
    static void check(Harness.Run run) {
        if (!run.closed()) {
            throw new AssertionError("the connection was left open after its input ended");
        }
        Reader r = new Reader(run.written());
        List<Harness.Exchange> exchanges = run.exchanges();
        int handled = 0;
        boolean ended = false;
        // Bounded by the output: each pass reads at least a status line.
        while (r.pos < r.b.length) {
            if (ended) {
                throw r.fail("bytes after the response that ended the connection", r.pos);
            }
            int start = r.pos;
            String status = r.line();
            if (!status.matches("HTTP/1\\.1 [1-5][0-9][0-9] [^\\r\\n]*")) {
                throw r.fail("a bad status line '" + status + "'", start);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            String length = null;
            String coding = null;
            boolean close = false;
            boolean handler = false;
            boolean head = false;
            boolean broken = false;
            // Bounded by the output.
            for (String field = r.line(); !field.isEmpty(); field = r.line()) {
                int colon = field.indexOf(": ");
                if (colon <= 0) {
                    throw r.fail("a bad header line '" + field + "'", start);
                }
                for (int i = 0; i < colon; i++) {
                    if (!Rfc9112.isTchar(field.charAt(i))) {
                        throw r.fail("a bad header name '" + field + "'", start);
                    }
                }
                String name = field.substring(0, colon);
                String value = field.substring(colon + 2);
                switch (name.toLowerCase(java.util.Locale.ROOT)) {
                    case "content-length" -> length = value;
                    case "transfer-encoding" -> coding = value;
                    case "connection" -> close |= value.equalsIgnoreCase("close");
                    case "x-fuzz" -> handler = true;
                    case "x-fuzz-head" -> head = true;
                    case "x-fuzz-broken" -> broken = true;
                    default -> {
                    }
                }
            }
            if (code < 200) {
                if (length != null || coding != null) {
                    throw r.fail("an interim response with a body", start);
                }
                continue;
            }
            if (handler) {
                handled++;
            }
            if (length != null && coding != null) {
                throw r.fail("a response with both Content-Length and Transfer-Encoding", start);
            }
            if (coding != null) {
                if (!coding.equals("chunked")) {
                    throw r.fail("a response coding other than chunked", start);
                }
                chunks(r);
            } else if (length != null) {
                if (!length.matches("[0-9]{1,18}")) {
                    throw r.fail("a bad Content-Length '" + length + "'", start);
                }
                // A HEAD has no body. The handler marks its HEADs; the server's own pages
                // (404, refusals) start with '<' when they have one, and a response never does.
                boolean body = handler ? !head : r.pos < r.b.length && r.b[r.pos] == '<';
                if (body) {
                    r.skip(Long.parseLong(length), "a body");
                }
            } else if (handler && !head && !close) {
                // The handler answers with a length, in chunks, or (HTTP/1.0) until the close.
                throw r.fail("a handler's response with no framing that keeps the connection", start);
            } else if (close) {
                // A body that runs to the close (an HTTP/1.0 client), or none: either way
                // nothing may follow.
                r.pos = r.b.length;
            }
            // Else no body: a HEAD (the server frames none for it), 204 or 304.
            ended = close || broken;
        }
        if (handled != exchanges.size()) {
            throw r.fail(exchanges.size() + " handler calls but " + handled + " responses from them", r.pos);
        }
        for (int i = 0; i < exchanges.size(); i++) {
            Harness.Exchange x = exchanges.get(i);
            if (x.failure() != null && i != exchanges.size() - 1) {
                throw new AssertionError("a request was served after request " + i
                        + " whose body failed: " + x.failure());
            }
            if (x.failure() == null && x.bodyEnd() >= 0 && x.declared() >= 0 && x.body().length != x.declared()) {
                throw new AssertionError("request " + i + " declared " + x.declared() + " body bytes, the handler read "
                        + x.body().length);
            }
        }
    }

    private static void chunks(Reader r) {
        // Bounded by the output: each pass reads a chunk line.
        while (true) {
            int at = r.pos;
            String line = r.line();
            if (!line.matches("[0-9a-fA-F]{1,8}")) {
                throw r.fail("a bad response chunk line '" + line + "'", at);
            }
            long size = Long.parseLong(line, 16);
            if (size == 0) {
                if (!r.line().isEmpty()) {
                    throw r.fail("a response trailer", r.pos);
                }
                return;
            }
            r.skip(size, "a response chunk");
            if (!r.line().isEmpty()) {
                throw r.fail("no CRLF after a response chunk", r.pos);
            }
        }
    }
}
