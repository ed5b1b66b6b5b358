package org.switchboard.presence;

/** A presence body that was refused; the message says why. Nothing is stored from it. */
public final class PresenceDocumentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PresenceDocumentException(String message) {
        super(message);
    }

    public PresenceDocumentException(String message, Throwable cause) {
        super(message, cause);
    }
}
