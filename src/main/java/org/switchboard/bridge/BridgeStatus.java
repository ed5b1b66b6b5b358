package org.switchboard.bridge;

/** What operators read about the running bridge: its XMPP connection and its counts. */
public interface BridgeStatus {

    XmppConnectionState state();

    BridgeCounts counts();
}
