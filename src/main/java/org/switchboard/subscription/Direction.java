package org.switchboard.subscription;

/** Which way a bridged subscription goes; each direction is its own record. */
public enum Direction {
    /** We subscribe to a SIP user's presence (for an XMPP user): we can re-establish it ourselves. */
    OUTGOING_SIP,
    /** A SIP user subscribes to an XMPP user's presence through us: only the SIP side can renew it. */
    INCOMING_SIP
}
