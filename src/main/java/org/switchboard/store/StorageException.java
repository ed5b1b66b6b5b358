package org.switchboard.store;

/** The database could not be opened or used; the message says which data directory and why. */
public final class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
