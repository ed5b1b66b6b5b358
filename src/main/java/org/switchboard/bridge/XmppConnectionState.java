package org.switchboard.bridge;

/** Where the bridge's component connection to the XMPP server stands. */
public enum XmppConnectionState {
    /** The bridge is not configured to run. */
    DISABLED,
    /** Connecting, or waiting to connect again after a failure. */
    CONNECTING,
    /** Connected and authenticated: stanzas flow. */
    CONNECTED,
    /** Lost or refused (the server is down or unreachable); connecting again with backoff. */
    DISCONNECTED,
    /** The server refused the component's secret (or domain); trying again slowly, logged once. */
    AUTHENTICATION_FAILED,
    /** In a pool: another member holds the bridge's lease and runs the bridge; this one takes over if that one dies. */
    STANDBY
}
