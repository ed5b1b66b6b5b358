package org.switchboard.pool;

/** This instance cannot be a member of its pool; the message names the cause in one line. */
public final class PoolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PoolException(String message) {
        super(message);
    }
}
