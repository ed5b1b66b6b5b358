package org.switchboard.endpoint;

import java.io.IOException;
import java.util.Objects;

/**
 * A request an endpoint sent got no final response: the transaction timed out (RFC 3261 Timer F or B: the
 * peer never answered), or the request could not be sent at all. A final response from the peer, of any
 * status (its own {@code 408} included), is not this: it completes the request's stage normally.
 */
public final class NoResponseException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why no final response came. */
    public enum Reason {
        /** Sent, but nothing final came back before the transaction timed out. */
        TIMEOUT,
        /** The request could not be sent (for example a refused TCP connection). */
        TRANSPORT
    }

    private final Reason reason;

    public NoResponseException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
