package org.switchboard.bridge;

/**
 * What the bridge has done so far.
 *
 * @param outgoing          XMPP users following SIP users (outgoing SIP subscriptions)
 * @param incoming          SIP users watching XMPP users (incoming SIP subscriptions)
 * @param forwardedToXmpp   SIP presence sent on as XMPP presence
 * @param forwardedToSip    XMPP presence sent on as NOTIFYs
 * @param droppedOutOfOrder SIP presence not forwarded because something newer had been
 */
public record BridgeCounts(long outgoing, long incoming, long forwardedToXmpp, long forwardedToSip, long droppedOutOfOrder) {
}
