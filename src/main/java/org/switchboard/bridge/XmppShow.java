package org.switchboard.bridge;

/**
 * XMPP presence as the bridge sees it: {@code <presence type='unavailable'/>} is {@link #OFFLINE}; an
 * available presence without {@code <show/>} is {@link #ONLINE}; the others are the RFC 6121
 * {@code <show/>} values.
 */
public enum XmppShow {
    ONLINE, CHAT, AWAY, XA, DND, OFFLINE
}
