package org.switchboard.bridge.xmpp;

import java.util.Optional;

import org.switchboard.bridge.BareJid;
import org.switchboard.bridge.XmppPresence;
import org.switchboard.bridge.XmppShow;
import org.xmpp.packet.JID;
import org.xmpp.packet.Presence;

/** Between the bridge's presence values and Tinder's stanzas. */
final class StanzaMapping {

    private StanzaMapping() {
    }

    static XmppPresence toPresence(Presence stanza) {
        Optional<String> status = Optional.ofNullable(stanza.getStatus());
        if (stanza.getType() == Presence.Type.unavailable) {
            return new XmppPresence(XmppShow.OFFLINE, status);
        }
        Presence.Show show = stanza.getShow();
        XmppShow mapped = show == null ? XmppShow.ONLINE : switch (show) {
            case chat -> XmppShow.CHAT;
            case away -> XmppShow.AWAY;
            case xa -> XmppShow.XA;
            case dnd -> XmppShow.DND;
        };
        return new XmppPresence(mapped, status);
    }

    static Presence fromPresence(BareJid from, String resource, BareJid to, XmppPresence presence) {
        Presence stanza = new Presence();
        stanza.setFrom(new JID(from.local(), from.domain(), resource));
        stanza.setTo(new JID(to.local(), to.domain(), null));
        switch (presence.show()) {
            case OFFLINE -> stanza.setType(Presence.Type.unavailable);
            case CHAT -> stanza.setShow(Presence.Show.chat);
            case AWAY -> stanza.setShow(Presence.Show.away);
            case XA -> stanza.setShow(Presence.Show.xa);
            case DND -> stanza.setShow(Presence.Show.dnd);
            case ONLINE -> {
                // available, no <show/>
            }
        }
        presence.status().ifPresent(stanza::setStatus);
        return stanza;
    }

    static Presence subscription(Presence.Type type, BareJid from, BareJid to) {
        Presence stanza = new Presence(type);
        stanza.setFrom(new JID(from.local(), from.domain(), null));
        stanza.setTo(new JID(to.local(), to.domain(), null));
        return stanza;
    }
}
