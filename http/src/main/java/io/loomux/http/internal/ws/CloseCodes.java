package io.loomux.http.internal.ws;

/** The close codes of RFC 6455 section 7.4 and the IANA registry, and who may use which. */
final class CloseCodes {

    static final int NORMAL = 1000;
    static final int GOING_AWAY = 1001;
    static final int PROTOCOL_ERROR = 1002;
    /** Never sent: what a Close without a code reports. */
    static final int NO_STATUS = 1005;
    /** Never sent: what a connection that ended without a Close reports. */
    static final int ABNORMAL = 1006;
    static final int INVALID_DATA = 1007;
    static final int TOO_BIG = 1009;
    static final int INTERNAL_ERROR = 1011;

    private CloseCodes() {
    }

    /**
     * @param code a code in a Close frame
     * @return whether an endpoint may send it: 1000-1003, 1007-1014 (assigned), or 3000-4999
     *     (registered and private); 1004, 1005, 1006 and 1015 are reserved, the rest of 1000-2999
     *     unassigned, and codes under 1000 or from 5000 on never valid
     */
    static boolean sendable(int code) {
        return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
    }
}
