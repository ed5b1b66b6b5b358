package org.switchboard.presence.view;

/** How a view follows its targets. */
public enum ViewMode {
    /** A long-lived subscription per target, refreshed before it expires. */
    PERSISTENT,
    /** A one-shot fetch (SUBSCRIBE with Expires: 0) per target at every polling interval. */
    POLLING
}
