package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BareJidTest {

    @Test
    void parses_local_and_domain() {
        BareJid jid = BareJid.parse("alice@xmpp.example.test");
        assertThat(jid.local()).isEqualTo("alice");
        assertThat(jid.domain()).isEqualTo("xmpp.example.test");
        assertThat(jid).hasToString("alice@xmpp.example.test");
    }

    @Test
    void drops_the_resource() {
        assertThat(BareJid.parse("alice@xmpp.example.test/phone")).isEqualTo(new BareJid("alice", "xmpp.example.test"));
        assertThat(BareJid.parse("alice@xmpp.example.test/desk/with/slashes")).isEqualTo(new BareJid("alice", "xmpp.example.test"));
    }

    @Test
    void is_kept_in_lower_case_so_equal_addresses_are_equal() {
        assertThat(BareJid.parse("Alice@XMPP.Example.Test")).isEqualTo(BareJid.parse("alice@xmpp.example.test"));
        assertThat(new BareJid("ALICE", "XMPP.EXAMPLE.TEST")).hasToString("alice@xmpp.example.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "a\"b", "a&b", "a'b", "a:b", "a<b", "a>b", "a\tb", "a\u0000b"})
    void refuses_a_local_part_with_a_character_xmpp_forbids(String local) {
        assertThatThrownBy(() -> new BareJid(local, "xmpp.example.test")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BareJid.parse(local + "@xmpp.example.test")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refuses_a_local_part_that_is_too_long() {
        assertThat(new BareJid("a".repeat(1023), "xmpp.example.test").local()).hasSize(1023);
        assertThatThrownBy(() -> new BareJid("a".repeat(1024), "xmpp.example.test")).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"xmpp.example.test", "@xmpp.example.test", "alice@", "alice@/phone", "", "/alice@xmpp.example.test"})
    void refuses_what_is_not_a_users_address(String text) {
        assertThatThrownBy(() -> BareJid.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
