package io.loomux.http.internal.h2;

/** The error codes of RFC 9113 section 7, carried by RST_STREAM and GOAWAY. */
enum ErrorCode {
    NO_ERROR(0x0),
    PROTOCOL_ERROR(0x1),
    INTERNAL_ERROR(0x2),
    FLOW_CONTROL_ERROR(0x3),
    SETTINGS_TIMEOUT(0x4),
    STREAM_CLOSED(0x5),
    FRAME_SIZE_ERROR(0x6),
    REFUSED_STREAM(0x7),
    CANCEL(0x8),
    COMPRESSION_ERROR(0x9),
    CONNECT_ERROR(0xa),
    ENHANCE_YOUR_CALM(0xb),
    INADEQUATE_SECURITY(0xc),
    HTTP_1_1_REQUIRED(0xd);

    private static final ErrorCode[] BY_CODE = values();

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    /** @return the code on the wire */
    int code() {
        return code;
    }

    /**
     * @param code a code from the wire, an unsigned 32-bit value read into an int
     * @return its constant; {@link #INTERNAL_ERROR} for a code this list does not know, which
     *         section 7 allows and which must not trigger anything special
     */
    static ErrorCode of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : INTERNAL_ERROR;
    }
}
