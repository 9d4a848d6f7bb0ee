package io.loomux.http.internal;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The buffered read side of one HTTP connection: request heads are parsed from its buffer, and
 * request bodies read through it, so bytes of a pipelined next request stay buffered for it.
 *
 * <p>A read waits at most until the deadline, when one is set (the header timeout), else at most
 * the per-read timeout (the idle timeout). Used by one thread at a time: the connection's thread
 * between exchanges, the handler's thread during one.
 */
public final class HttpInput {

    /**
     * Whether the bytes to come start with {@code prefix}: reads until as many are buffered, or
     * until one differs, or the stream ends. Consumes nothing, so whatever the answer the bytes
     * are read again by whoever reads next.
     *
     * @param prefix at most a buffer's length
     * @return true if the first {@code prefix.length} bytes are {@code prefix}
     */
    public boolean startsWith(byte[] prefix) throws IOException {
        // Bounded by the prefix: each pass buffers at least one more byte, or returns.
        while (true) {
            int have = Math.min(lim - pos, prefix.length);
            if (!java.util.Arrays.equals(buf, pos, pos + have, prefix, 0, have)) {
                return false;
            }
            if (have == prefix.length) {
                return true;
            }
            if (!fill()) {
                return false;
            }
        }
    }

    /**
     * The bytes received and not consumed, for a parser that takes them as they come: a view
     * whose position the parser advances, then hands back to {@link #consumedTo}. Valid until
     * the next {@link #fill}; the same object every time (no allocation per read).
     */
    public ByteBuffer unread() {
        return wrapped.limit(lim).position(pos);
    }

    /** @param view what {@link #unread()} returned, its position past what was consumed */
    public void consumedTo(ByteBuffer view) {
        if (view != wrapped || view.position() < pos || view.position() > lim) {
            throw new IllegalArgumentException("not this input's unread view");
        }
        pos = view.position();
    }

    /** Thrown when a line is longer than its limit. */
    static final class LineTooLongException extends IOException {
        private static final long serialVersionUID = 1L;

        LineTooLongException() {
            super("line too long");
        }
    }

    /** Thrown when a line that must end with CRLF ends with a bare LF. */
    static final class BareLfException extends IOException {
        private static final long serialVersionUID = 1L;

        BareLfException() {
            super("a line ended by a bare LF");
        }
    }

    private final Transport transport;
    private byte[] buf;
    private ByteBuffer wrapped;
    private int pos;
    private int lim;
    /** The timeout last given to the transport, so it is set only when it changes. */
    private Duration applied = Duration.ZERO;
    private Duration perRead = Duration.ZERO;
    /** The read timeout past a deadline: one look at what has arrived, no wait. */
    private static final Duration LOOK_ONLY = Duration.ofNanos(1);
    /** System.nanoTime() deadline for every read, or 0 for none. */
    private long deadline;

    /**
     * @param transport where the bytes come from
     * @param buffer    a heap buffer to read into (see {@link #lend})
     */
    HttpInput(Transport transport, ByteBuffer buffer) {
        this.transport = transport;
        lend(buffer);
    }

    /**
     * Gives this input a buffer again after {@link #giveBack}.
     *
     * @param buffer a cleared heap buffer
     */
    public void lend(ByteBuffer buffer) {
        if (wrapped != null) {
            throw new IllegalStateException("the input holds a buffer already");
        }
        wrapped = buffer;
        buf = buffer.array();
    }

    /** @return whether it holds a buffer now (not while the connection waits armed) */
    public boolean holdsBuffer() {
        return wrapped != null;
    }

    /**
     * Hands the buffer back to the pool while the connection waits for its next request. Only
     * with nothing buffered: a byte left would be lost, and another connection would read it.
     *
     * @param pool where the buffer goes
     */
    public void giveBack(BufferPool pool) {
        if (pos != lim) {
            throw new IllegalStateException(buffered() + " bytes still buffered");
        }
        ByteBuffer b = wrapped;
        if (b != null) {
            pos = 0;
            lim = 0;
            buf = null;
            wrapped = null;
            pool.give(b);
        }
    }

    /** @param timeout the longest one read waits from now on when no deadline is set */
    public void perReadTimeout(Duration timeout) {
        this.perRead = timeout;
    }

    /** @param nanoTime the System.nanoTime() by which every read must be done; 0 for none */
    public void deadline(long nanoTime) {
        this.deadline = nanoTime;
    }

    /** @return bytes received and not yet consumed */
    public int buffered() {
        return lim - pos;
    }

    /**
     * Reads more bytes into the buffer, making room first.
     *
     * @return false at end of stream
     */
    public boolean fill() throws IOException {
        if (pos == lim) {
            pos = 0;
            lim = 0;
        } else if (lim == buf.length) {
            if (pos == 0) {
                throw new IllegalStateException("buffer full: the caller must grow it");
            }
            System.arraycopy(buf, pos, buf, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        applyTimeout();
        wrapped.limit(buf.length).position(lim);
        int n = transport.read(wrapped);
        if (n < 0) {
            return false;
        }
        lim += n;
        return true;
    }

    /** {@link #look}: bytes came and are buffered. */
    public static final int LOOKED_MORE = 1;
    /** {@link #look}: nothing had arrived. */
    public static final int LOOKED_NOTHING = 0;
    /** {@link #look}: the stream had ended. */
    public static final int LOOKED_ENDED = -1;

    /**
     * One read that takes what has arrived and does not wait. A connection calls it after the
     * runtime refused to arm it: the runtime refuses when an event came that no read has answered
     * yet, but the read before may have taken that event's bytes already, and a read that waits
     * would then hold the connection's thread and buffer until the client sends again.
     *
     * @return {@link #LOOKED_MORE}, {@link #LOOKED_NOTHING} or {@link #LOOKED_ENDED}
     */
    public int look() throws IOException {
        long was = deadline;
        deadline = System.nanoTime();
        try {
            return fill() ? LOOKED_MORE : LOOKED_ENDED;
        } catch (SocketTimeoutException e) {
            return LOOKED_NOTHING;
        } finally {
            deadline = was;
        }
    }

    private void applyTimeout() {
        Duration want = perRead;
        if (deadline != 0) {
            long left = deadline - System.nanoTime();
            // Past the deadline the read still takes what has arrived and times out only if
            // nothing has: a server that fell behind must not blame a client for its delay.
            want = left <= 0 ? LOOK_ONLY : Duration.ofNanos(left);
        }
        if (!want.equals(applied)) {
            transport.setReadTimeout(want);
            applied = want;
        }
    }

    /**
     * Reads one line, ended by LF (a CR before it is dropped): RFC 9112 section 2.2 lets a
     * request's start line and header fields end with a bare LF.
     *
     * @param max the most bytes the line may hold, CR excluded
     * @return the line as ISO-8859-1 text, or null if the stream ended before any byte of it
     * @throws LineTooLongException if the line is longer than {@code max}
     * @throws EOFException         if the stream ends inside the line
     */
    String readLine(int max) throws IOException {
        return readLine(max, false);
    }

    /**
     * Reads one line that must end with CRLF, as the lines of a chunked body do (RFC 9112
     * section 7.1): where a proxy in front may read a bare LF otherwise, the body's end is in
     * doubt.
     *
     * @param max the most bytes the line may hold, CR excluded
     * @return the line as ISO-8859-1 text, or null if the stream ended before any byte of it
     * @throws BareLfException      if the line ends with a bare LF
     * @throws LineTooLongException if the line is longer than {@code max}
     * @throws EOFException         if the stream ends inside the line
     */
    String readCrlfLine(int max) throws IOException {
        return readLine(max, true);
    }

    private String readLine(int max, boolean crlfOnly) throws IOException {
        int scanned = pos;
        // Bounded: each pass either returns, throws, or reads at least one more byte, and the
        // line may not exceed max.
        while (true) {
            for (int i = scanned; i < lim; i++) {
                if (buf[i] == '\n') {
                    boolean cr = i > pos && buf[i - 1] == '\r';
                    if (crlfOnly && !cr) {
                        throw new BareLfException();
                    }
                    int end = cr ? i - 1 : i;
                    if (end - pos > max) {
                        throw new LineTooLongException();
                    }
                    String line = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    return line;
                }
            }
            if (lim - pos > max + 1) {
                throw new LineTooLongException();
            }
            scanned = lim - pos;
            if (lim == buf.length && pos == 0) {
                growTo(Math.min(Math.max(buf.length * 2, 1024), max + 2));
            }
            if (!fill()) {
                if (lim == pos) {
                    return null;
                }
                throw new EOFException("the connection ended inside a line");
            }
            scanned += pos;
        }
    }

    private void growTo(int size) {
        if (size <= buf.length) {
            throw new IllegalStateException("cannot grow to " + size);
        }
        byte[] bigger = new byte[size];
        System.arraycopy(buf, pos, bigger, 0, lim - pos);
        lim -= pos;
        pos = 0;
        buf = bigger;
        wrapped = ByteBuffer.wrap(buf);
    }

    /**
     * @return the next byte, or -1 at end of stream
     */
    int read() throws IOException {
        if (pos == lim && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    /**
     * Reads what is buffered, or else waits for bytes; large reads with nothing buffered go
     * straight into the caller's array.
     *
     * @return at least 1 (when {@code len > 0}), or -1 at end of stream
     */
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (pos == lim) {
            if (len >= buf.length) {
                applyTimeout();
                return transport.read(ByteBuffer.wrap(b, off, len));
            }
            if (!fill()) {
                return -1;
            }
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /**
     * Discards up to {@code max} bytes, reading as needed.
     *
     * @return how many were discarded; fewer than {@code max} only at end of stream
     */
    long skip(long max) throws IOException {
        long done = 0;
        // Bounded by max: each pass discards at least one byte or returns.
        while (done < max) {
            if (pos == lim && !fill()) {
                return done;
            }
            int n = (int) Math.min(max - done, lim - pos);
            pos += n;
            done += n;
        }
        return done;
    }
}
