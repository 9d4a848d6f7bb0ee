package io.loomux.http.internal.h2;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A listener that writes down every event as a line of text, and a driver that feeds a reader
 * as a connection would: after a stream error it feeds again, after a connection error it stops.
 * Consecutive chunks of data or fragment are joined into one event, so that the events do not
 * depend on how the input was split.
 */
final class Recorder implements FrameListener {

    /** Feeds after one stream error at most this many times per piece: every retry consumes. */
    private static final int MAX_RETRIES = 100_000;

    final List<String> events = new ArrayList<>();
    /** The connection error that ended the reader, if one did. */
    Http2Exception connectionError;
    /** The last SETTINGS delta delivered. */
    Settings settings;
    /** The last GOAWAY debug data delivered. */
    byte[] debug;
    /** Every data chunk handed over, as it came. */
    final List<ByteBuffer> dataChunks = new ArrayList<>();

    /** @return the events of {@code input} fed whole to a new frames-only reader */
    static List<String> read(byte[] input) {
        return feed(new FrameReader(Settings.MIN_MAX_FRAME_SIZE), input, input.length).events;
    }

    /** @return a recorder of {@code input} fed in pieces of {@code pieceSize} bytes */
    static Recorder feed(FrameReader reader, byte[] input, int pieceSize) {
        Recorder r = new Recorder();
        for (int at = 0; at < input.length && r.connectionError == null; at += pieceSize) {
            r.feed(reader, ByteBuffer.wrap(input, at, Math.min(pieceSize, input.length - at)));
        }
        return r;
    }

    /** Feeds {@code in} whole, unless a connection error ends the reader first. */
    void feed(FrameReader reader, ByteBuffer in) {
        for (int i = 0; i < MAX_RETRIES; i++) {
            try {
                reader.feed(in, this);
                if (in.hasRemaining()) {
                    throw new AssertionError("feed returned with " + in.remaining() + " bytes left");
                }
                return;
            } catch (Http2Exception e) {
                events.add(e.isConnectionError() ? "connection error " + e.code()
                        : "stream " + e.streamId() + " error " + e.code());
                if (e.isConnectionError()) {
                    connectionError = e;
                    return;
                }
            }
        }
        throw new AssertionError("no progress after " + MAX_RETRIES + " stream errors");
    }

    @Override
    public void dataStart(int streamId, int flowLength, boolean endStream) {
        events.add("DATA " + streamId + " flow " + flowLength + (endStream ? " END_STREAM" : ""));
    }

    @Override
    public void dataChunk(int streamId, ByteBuffer data) {
        if (!data.hasRemaining()) {
            throw new AssertionError("an empty data chunk");
        }
        dataChunks.add(data);
        bytes("data " + streamId + ": ", data);
    }

    @Override
    public void dataEnd(int streamId, boolean endStream) {
        events.add("DATA end " + streamId + (endStream ? " END_STREAM" : ""));
    }

    @Override
    public void headersStart(int streamId, int fragmentLength, boolean endStream, boolean endHeaders) {
        events.add("HEADERS " + streamId + " fragment " + fragmentLength + (endStream ? " END_STREAM" : "")
                + (endHeaders ? " END_HEADERS" : ""));
    }

    @Override
    public void continuationStart(int streamId, int fragmentLength, boolean endHeaders) {
        events.add("CONTINUATION " + streamId + " fragment " + fragmentLength + (endHeaders ? " END_HEADERS" : ""));
    }

    @Override
    public void headerFragment(int streamId, ByteBuffer fragment) {
        if (!fragment.hasRemaining()) {
            throw new AssertionError("an empty fragment");
        }
        bytes("fragment " + streamId + ": ", fragment);
    }

    @Override
    public void headerBlockEnd(int streamId, boolean endStream) {
        events.add("block end " + streamId + (endStream ? " END_STREAM" : ""));
    }

    @Override
    public void priority(int streamId, int dependency, boolean exclusive, int weight) {
        events.add("PRIORITY " + streamId + " on " + dependency + (exclusive ? " exclusive" : "") + " weight "
                + weight);
    }

    @Override
    public void rstStream(int streamId, ErrorCode code) {
        events.add("RST_STREAM " + streamId + " " + code);
    }

    @Override
    public void settings(Settings delta) {
        settings = delta;
        events.add("SETTINGS " + delta);
    }

    @Override
    public void settingsAck() {
        events.add("SETTINGS ACK");
    }

    @Override
    public void ping(long data, boolean ack) {
        events.add("PING " + Long.toHexString(data) + (ack ? " ACK" : ""));
    }

    @Override
    public void goAway(int lastStreamId, ErrorCode code, byte[] debugData) {
        debug = debugData;
        events.add("GOAWAY " + lastStreamId + " " + code + " debug " + HexFormat.of().formatHex(debugData));
    }

    @Override
    public void windowUpdate(int streamId, int increment) {
        events.add("WINDOW_UPDATE " + streamId + " +" + increment);
    }

    @Override
    public void unknownFrame(int type, int streamId, int flags, int length) {
        events.add("unknown type " + type + " on " + streamId + " flags " + flags + " length " + length);
    }

    /** Appends the bytes to the previous event if it is the same kind, else starts one. */
    private void bytes(String prefix, ByteBuffer b) {
        byte[] copy = new byte[b.remaining()];
        b.duplicate().get(copy);
        String hex = HexFormat.of().formatHex(copy);
        int last = events.size() - 1;
        if (last >= 0 && events.get(last).startsWith(prefix)) {
            events.set(last, events.get(last) + hex);
        } else {
            events.add(prefix + hex);
        }
    }
}
