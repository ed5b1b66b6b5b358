package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;

/** How SIP users and XMPP users name each other across the bridge. */
class AddressMappingTest {

    private final AddressMapping mapping = new AddressMapping("SIP.Xmpp.Example.Test", "xmpp.example.test", "Example.COM",
            "xmpp.example.com");

    @Test
    void the_domains_are_kept_in_lower_case() {
        assertThat(mapping).isEqualTo(new AddressMapping("sip.xmpp.example.test", "xmpp.example.test", "example.com", "xmpp.example.com"));
    }

    @Test
    void a_sip_user_appears_to_xmpp_users_at_the_component() {
        assertThat(mapping.componentAddressOf(Aor.parse("sip:bob@example.com"))).contains(new BareJid("bob", "sip.xmpp.example.test"));
    }

    @Test
    void an_address_at_the_component_stands_for_a_sip_user() {
        assertThat(mapping.sipUserOf(BareJid.parse("bob@sip.xmpp.example.test"))).contains(Aor.parse("sip:bob@example.com"));
    }

    @Test
    void an_xmpp_user_appears_to_sip_users_under_the_xmpp_users_sip_domain() {
        assertThat(mapping.sipAddressOf(BareJid.parse("alice@xmpp.example.test"))).isEqualTo(Aor.parse("sip:alice@xmpp.example.com"));
    }

    @Test
    void a_sip_address_under_the_xmpp_users_sip_domain_stands_for_an_xmpp_user() {
        assertThat(mapping.xmppUserOf(SipUri.parse("sip:alice@xmpp.example.com"))).contains(BareJid.parse("alice@xmpp.example.test"));
    }

    @Test
    void both_ways_round_trip() {
        Aor bob = Aor.parse("sip:bob@example.com");
        assertThat(mapping.componentAddressOf(bob).flatMap(mapping::sipUserOf)).contains(bob);
        BareJid alice = BareJid.parse("alice@xmpp.example.test");
        assertThat(mapping.xmppUserOf(mapping.sipAddressOf(alice).uri())).contains(alice);
    }

    @Test
    void domains_are_compared_without_regard_to_case() {
        assertThat(mapping.componentAddressOf(Aor.parse("sip:bob@EXAMPLE.com"))).contains(new BareJid("bob", "sip.xmpp.example.test"));
        assertThat(mapping.sipUserOf(BareJid.parse("bob@SIP.XMPP.example.test"))).contains(Aor.parse("sip:bob@example.com"));
        assertThat(mapping.xmppUserOf(SipUri.parse("sip:alice@XMPP.Example.Com"))).contains(BareJid.parse("alice@xmpp.example.test"));
        assertThat(mapping.isXmppUser(BareJid.parse("Alice@XMPP.example.TEST"))).isTrue();
    }

    @Test
    void user_parts_map_to_lower_case_jids() {
        assertThat(mapping.componentAddressOf(Aor.parse("sip:Bob@example.com"))).contains(new BareJid("bob", "sip.xmpp.example.test"));
        assertThat(mapping.xmppUserOf(SipUri.parse("sip:Alice@xmpp.example.com"))).contains(BareJid.parse("alice@xmpp.example.test"));
    }

    @Test
    void addresses_of_foreign_domains_map_to_nothing() {
        assertThat(mapping.componentAddressOf(Aor.parse("sip:bob@elsewhere.example.net"))).isEmpty();
        assertThat(mapping.sipUserOf(BareJid.parse("bob@xmpp.example.test"))).as("an XMPP user is not at the component").isEmpty();
        assertThat(mapping.sipUserOf(BareJid.parse("bob@elsewhere.example.net"))).isEmpty();
        assertThat(mapping.xmppUserOf(SipUri.parse("sip:alice@example.com"))).as("a SIP user is not an XMPP user").isEmpty();
        assertThat(mapping.xmppUserOf(SipUri.parse("sip:alice@elsewhere.example.net"))).isEmpty();
        assertThat(mapping.isXmppUser(BareJid.parse("alice@elsewhere.example.net"))).isFalse();
        assertThat(mapping.isXmppUser(BareJid.parse("bob@sip.xmpp.example.test"))).isFalse();
    }

    @Test
    void addresses_without_a_user_part_map_to_nothing() {
        assertThat(mapping.componentAddressOf(Aor.parse("sip:example.com"))).isEmpty();
        assertThat(mapping.xmppUserOf(SipUri.parse("sip:xmpp.example.com"))).isEmpty();
    }

    @Test
    void an_escaped_sip_user_part_stays_escaped_and_round_trips() {
        Aor escaped = Aor.parse("sip:bob%3Cx%3E@example.com");
        assertThat(mapping.componentAddressOf(escaped).flatMap(mapping::sipUserOf)).contains(escaped);
        assertThat(mapping.componentAddressOf(Aor.parse("sip:%62ob@example.com"))).as("an unreserved character escaped is itself")
                .contains(new BareJid("bob", "sip.xmpp.example.test"));
    }

    @Test
    void a_component_address_that_is_no_sip_user_part_maps_to_nothing() {
        assertThat(mapping.sipUserOf(BareJid.parse("a#b@sip.xmpp.example.test"))).isEmpty();
        assertThat(mapping.sipUserOf(BareJid.parse("a%b@sip.xmpp.example.test"))).isEmpty();
    }
}
