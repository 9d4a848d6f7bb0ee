package io.loomux.http.internal.h2;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Random;
import java.util.Set;

/**
 * The HTTP/2 frame reader ({@link FrameReader}) of a server on arbitrary bytes after a valid
 * client preface. The bytes are either read to their end or end in a connection
 * {@link Http2Exception} whose code the reader may raise (stream errors on the way are allowed,
 * and the reader goes on after them); nothing else may be thrown. The same bytes fed whole, in
 * random pieces and one byte at a time give the same events, and what is delivered stays within
 * what the frames announce (fragments add up to the announced length, data to at most the flow
 * length, every block and DATA frame ends before the next frame begins).
 */
class FrameReaderFuzzTest {

    /** The codes a reader may raise: its rules know no others. */
    private static final Set<ErrorCode> CODES = EnumSet.of(ErrorCode.PROTOCOL_ERROR, ErrorCode.FRAME_SIZE_ERROR,
            ErrorCode.FLOW_CONTROL_ERROR);
    /** Feeds after a stream error at most this often per piece; each one consumes a frame. */
    private static final int MAX_RETRIES = 1 << 20;

    @FuzzTest(maxDuration = "10s")
    void frames(byte[] frames) {
        byte[] input = new byte[Preface.LENGTH + frames.length];
        Preface.client().get(input, 0, Preface.LENGTH);
        System.arraycopy(frames, 0, input, Preface.LENGTH, frames.length);

        String whole = read(input, new int[]{input.length});
        // The pieces depend on the input only, so that a finding reproduces.
        Random random = new Random(Arrays.hashCode(frames));
        int[] pieces = new int[1 + random.nextInt(16)];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = 1 + random.nextInt(1 + input.length / pieces.length);
        }
        String split = read(input, pieces);
        if (!split.equals(whole)) {
            throw new AssertionError("pieces " + Arrays.toString(pieces) + " read\n" + split + "\nwhole:\n" + whole);
        }
        String bytes = read(input, new int[]{1});
        if (!bytes.equals(whole)) {
            throw new AssertionError("one byte at a time read\n" + bytes + "\nwhole:\n" + whole);
        }
    }

    /** @return the events of {@code input} fed in pieces of the given sizes, cycled */
    private static String read(byte[] input, int[] pieces) {
        FrameReader reader = FrameReader.server(Settings.MIN_MAX_FRAME_SIZE);
        Log log = new Log();
        int at = 0;
        for (int i = 0; at < input.length; i++) {
            int n = Math.min(pieces[i % pieces.length], input.length - at);
            ByteBuffer in = ByteBuffer.wrap(input, at, n);
            at += n;
            if (!feed(reader, in, log)) {
                return log.toString();
            }
        }
        log.endOfInput();
        return log.toString();
    }

    /** @return false once a connection error ended the reader */
    private static boolean feed(FrameReader reader, ByteBuffer in, Log log) {
        for (int retry = 0; retry < MAX_RETRIES; retry++) {
            try {
                reader.feed(in, log);
                if (in.hasRemaining()) {
                    throw new AssertionError("feed left " + in.remaining() + " bytes");
                }
                return true;
            } catch (Http2Exception e) {
                if (!CODES.contains(e.code())) {
                    throw new AssertionError("a reader error with code " + e.code(), e);
                }
                if (e.isConnectionError()) {
                    log.line("connection error " + e.code());
                    return false;
                }
                if (e.streamId() <= 0) {
                    throw new AssertionError("a stream error without a stream", e);
                }
                log.line("stream " + e.streamId() + " error " + e.code());
            }
        }
        throw new AssertionError("no progress after " + MAX_RETRIES + " stream errors");
    }

    /** Writes the events down, joining split payloads, and checks them against the frames. */
    private static final class Log implements FrameListener {

        private final StringBuilder text = new StringBuilder();
        /** What the current frame still owes: fragment bytes, or data bytes at most. */
        private long owed = -1;
        private boolean inData;
        private boolean inFragment;
        private String open;

        void line(String s) {
            text.append('\n').append(s);
        }

        private void payload(ByteBuffer b) {
            if (!b.hasRemaining()) {
                throw new AssertionError("an empty chunk");
            }
            owed -= b.remaining();
            if (owed < 0) {
                throw new AssertionError("more bytes than the frame announced");
            }
            for (int i = b.position(); i < b.limit(); i++) {
                text.append(Character.forDigit((b.get(i) >> 4) & 0xf, 16)).append(Character.forDigit(b.get(i) & 0xf, 16));
            }
        }

        /** A new frame's event: the previous frame must have been delivered whole. */
        private void frame(String s) {
            if (inData) {
                throw new AssertionError("a frame began inside a DATA frame: " + s);
            }
            if (inFragment && owed != 0) {
                throw new AssertionError(owed + " fragment bytes missing before " + s);
            }
            inFragment = false;
            line(s);
        }

        void endOfInput() {
            line("end of input");
        }

        @Override
        public void dataStart(int streamId, int flowLength, boolean endStream) {
            frame("DATA " + streamId + " " + flowLength + " " + endStream);
            inData = true;
            owed = flowLength;
            line("");
        }

        @Override
        public void dataChunk(int streamId, ByteBuffer data) {
            payload(data);
        }

        @Override
        public void dataEnd(int streamId, boolean endStream) {
            inData = false;
            line("DATA end " + streamId + " " + endStream);
        }

        @Override
        public void headersStart(int streamId, int fragmentLength, boolean endStream, boolean endHeaders) {
            if (open != null) {
                throw new AssertionError("HEADERS inside the block of " + open);
            }
            frame("HEADERS " + streamId + " " + fragmentLength + " " + endStream + " " + endHeaders);
            open = "stream " + streamId;
            fragment(fragmentLength);
        }

        @Override
        public void continuationStart(int streamId, int fragmentLength, boolean endHeaders) {
            if (!("stream " + streamId).equals(open)) {
                throw new AssertionError("CONTINUATION of stream " + streamId + " in block " + open);
            }
            frame("CONTINUATION " + streamId + " " + fragmentLength + " " + endHeaders);
            fragment(fragmentLength);
        }

        private void fragment(int length) {
            inFragment = true;
            owed = length;
            line("");
        }

        @Override
        public void headerFragment(int streamId, ByteBuffer fragment) {
            payload(fragment);
        }

        @Override
        public void headerBlockEnd(int streamId, boolean endStream) {
            if (owed != 0) {
                throw new AssertionError("a block ended with " + owed + " fragment bytes missing");
            }
            open = null;
            line("block end " + streamId + " " + endStream);
        }

        @Override
        public void priority(int streamId, int dependency, boolean exclusive, int weight) {
            if (weight < 1 || weight > 256 || dependency == streamId) {
                throw new AssertionError("priority " + dependency + " weight " + weight + " on " + streamId);
            }
            frame("PRIORITY " + streamId + " " + dependency + " " + exclusive + " " + weight);
        }

        @Override
        public void rstStream(int streamId, ErrorCode code) {
            frame("RST_STREAM " + streamId + " " + code);
        }

        @Override
        public void settings(Settings delta) {
            frame("SETTINGS " + delta);
        }

        @Override
        public void settingsAck() {
            frame("SETTINGS ACK");
        }

        @Override
        public void ping(long data, boolean ack) {
            frame("PING " + data + " " + ack);
        }

        @Override
        public void goAway(int lastStreamId, ErrorCode code, byte[] debugData) {
            if (debugData.length > FrameReader.MAX_DEBUG_DATA || lastStreamId < 0) {
                throw new AssertionError("GOAWAY " + lastStreamId + " with " + debugData.length + " bytes");
            }
            frame("GOAWAY " + lastStreamId + " " + code + " " + Arrays.toString(debugData));
        }

        @Override
        public void windowUpdate(int streamId, int increment) {
            if (increment <= 0 || streamId < 0) {
                throw new AssertionError("WINDOW_UPDATE " + increment + " on " + streamId);
            }
            frame("WINDOW_UPDATE " + streamId + " " + increment);
        }

        @Override
        public void unknownFrame(int type, int streamId, int flags, int length) {
            if (type <= FrameType.CONTINUATION) {
                throw new AssertionError("type " + type + " reported unknown");
            }
            frame("unknown " + type + " " + streamId + " " + flags + " " + length);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
