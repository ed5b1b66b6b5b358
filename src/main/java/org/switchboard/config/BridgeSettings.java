package org.switchboard.config;

/**
 * The SIP &lt;-&gt; XMPP presence bridge (PRODUCT.md §F): the XEP-0114 component it connects as, and how
 * addresses map between the two sides.
 *
 * @param enabled                  run the bridge (false: no component, SIP requests to the XMPP users' SIP domain are not routed to it)
 * @param xmppHost                 the XMPP server's component listener: address
 * @param xmppPort                 …and port (Prosody's {@code component_ports}, 5347 by default)
 * @param componentDomain          the component's domain; SIP users appear to XMPP users as {@code user@componentDomain}
 * @param componentSecret          the shared secret of the component's handshake
 * @param xmppDomain               the XMPP users' domain (the server's virtual host)
 * @param sipDomain                the SIP users' domain: {@code sip:bob@sipDomain} is {@code bob@componentDomain} in XMPP
 * @param xmppUsersSipDomain       the SIP domain XMPP users appear under: {@code alice@xmppDomain} is {@code sip:alice@xmppUsersSipDomain};
 *                                 requests to this domain are dispatched to the bridge
 * @param cooldownSeconds          after an XMPP user refuses or cancels a SIP user's subscription, that SIP user's
 *                                 re-SUBSCRIBEs to that XMPP user are refused this long (0: never)
 * @param reconnectInitialSeconds  first wait before connecting again after the connection is lost or refused
 * @param reconnectMaxSeconds      the wait doubles up to this
 * @param incomingExpiresSeconds   the longest Expires granted to a SIP SUBSCRIBE to an XMPP user
 */
public record BridgeSettings(boolean enabled, String xmppHost, int xmppPort, String componentDomain, @Secret String componentSecret,
        String xmppDomain, String sipDomain, String xmppUsersSipDomain, int cooldownSeconds, int reconnectInitialSeconds,
        int reconnectMaxSeconds, int incomingExpiresSeconds) {

    static BridgeSettings defaults() {
        return new BridgeSettings(false, "127.0.0.1", 5347, "sip.xmpp.example.com", "", "xmpp.example.com", "example.com",
                "xmpp.example.com", 300, 1, 60, 3600);
    }

    /** As a record prints itself, with the secret masked (this text may reach a log). */
    @Override
    public String toString() {
        return Secrets.describe(this);
    }
}
