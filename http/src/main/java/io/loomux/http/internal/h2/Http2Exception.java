package io.loomux.http.internal.h2;

/**
 * A violation of RFC 9113 found in what a peer sent (section 5.4): either a connection error,
 * answered by GOAWAY and closing the connection, or a stream error, answered by RST_STREAM on
 * that stream while the connection goes on.
 */
final class Http2Exception extends Exception {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final int streamId;
    private final boolean connectionError;

    private Http2Exception(ErrorCode code, int streamId, boolean connectionError, String message) {
        super(message);
        this.code = code;
        this.streamId = streamId;
        this.connectionError = connectionError;
    }

    /** @return a connection error: GOAWAY with {@code code}, then close */
    static Http2Exception connection(ErrorCode code, String message) {
        return new Http2Exception(code, 0, true, message);
    }

    /**
     * @param streamId the stream to reset, not 0
     * @return a stream error: RST_STREAM with {@code code} on {@code streamId}
     */
    static Http2Exception stream(int streamId, ErrorCode code, String message) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("a stream error needs a stream, not " + streamId);
        }
        return new Http2Exception(code, streamId, false, message);
    }

    ErrorCode code() {
        return code;
    }

    /** @return the stream of a stream error; 0 for a connection error */
    int streamId() {
        return streamId;
    }

    boolean isConnectionError() {
        return connectionError;
    }

    @Override
    public String getMessage() {
        return (connectionError ? "connection error " : "stream " + streamId + " error ") + code + ": "
                + super.getMessage();
    }
}
