package org.switchboard.bridge;

import java.util.Locale;
import java.util.Optional;

import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;

/**
 * How the two sides name each other's users. A SIP user {@code sip:bob@sipDomain} is {@code bob@componentDomain}
 * to XMPP users; an XMPP user {@code alice@xmppDomain} is {@code sip:alice@xmppUsersSipDomain} to SIP users.
 */
public record AddressMapping(String componentDomain, String xmppDomain, String sipDomain, String xmppUsersSipDomain) {

    public AddressMapping {
        componentDomain = componentDomain.toLowerCase(Locale.ROOT);
        xmppDomain = xmppDomain.toLowerCase(Locale.ROOT);
        sipDomain = sipDomain.toLowerCase(Locale.ROOT);
        xmppUsersSipDomain = xmppUsersSipDomain.toLowerCase(Locale.ROOT);
    }

    /** The XMPP user a SIP address under the XMPP users' SIP domain stands for. */
    public Optional<BareJid> xmppUserOf(SipUri sip) {
        if (!sip.host().equalsIgnoreCase(xmppUsersSipDomain) || sip.user().isEmpty()) {
            return Optional.empty();
        }
        return jid(sip.user().get(), xmppDomain);
    }

    /** How SIP users see an XMPP user. */
    public Aor sipAddressOf(BareJid xmppUser) {
        return Aor.parse("sip:" + xmppUser.local() + "@" + xmppUsersSipDomain);
    }

    /** The SIP user an address at the component stands for; empty for another domain. */
    public Optional<Aor> sipUserOf(BareJid componentAddress) {
        if (!componentAddress.domain().equals(componentDomain)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Aor.parse("sip:" + componentAddress.local() + "@" + sipDomain));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** How XMPP users see a SIP user. */
    public Optional<BareJid> componentAddressOf(Aor sipUser) {
        if (!sipUser.uri().host().equalsIgnoreCase(sipDomain) || sipUser.uri().user().isEmpty()) {
            return Optional.empty();
        }
        return jid(sipUser.uri().user().get(), componentDomain);
    }

    /** Whether an XMPP address is one of the XMPP server's users. */
    public boolean isXmppUser(BareJid jid) {
        return jid.domain().equals(xmppDomain);
    }

    private static Optional<BareJid> jid(String local, String domain) {
        try {
            return Optional.of(new BareJid(local, domain));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
