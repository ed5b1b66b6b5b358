package org.switchboard.bridge;

/**
 * What the bridge sends to XMPP users; the component connection carries it, and drops it while disconnected (the bridge
 * sends what matters again after each connection: {@link PresenceBridge#xmppConnected()}).
 */
public interface XmppSender {

    /** {@code <presence type='subscribe'/>}: {@code from} (a SIP user at the component) asks to see {@code to}'s presence. */
    void subscribe(BareJid from, BareJid to);

    /** {@code <presence type='subscribed'/>}: {@code to} may now see {@code from}'s presence. */
    void subscribed(BareJid from, BareJid to);

    /** {@code <presence type='unsubscribed'/>}: {@code to} may no longer see {@code from}'s presence. */
    void unsubscribed(BareJid from, BareJid to);

    /** {@code <presence type='probe'/>}: asks {@code to}'s server for {@code to}'s current presence. */
    void probe(BareJid from, BareJid to);

    /** {@code from}'s presence, for {@code to}. */
    void presence(BareJid from, BareJid to, XmppPresence presence);
}
