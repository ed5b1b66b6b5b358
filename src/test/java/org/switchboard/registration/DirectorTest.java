package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.config.TopologySettings;
import org.switchboard.config.TopologySettings.FrontEndPool;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;

class DirectorTest {

    private final Director director = Director.of(new TopologySettings("apps", "", List.of(
            new FrontEndPool("fe1", "sip:fe1.example.com", List.of("sip:alice@example.com"), "sip:reg1.example.com:5060", "fe2"),
            new FrontEndPool("fe2", "sip:fe2.example.com", List.of("sip:bob@example.com"), "", ""))));

    @Test
    void a_user_goes_to_the_registrar_of_the_home_pool_and_of_its_backup_pool() {
        assertThat(director.registrarsOf(Aor.parse("sip:alice@example.com"))).contains(
                new Registrars(SipUri.parse("sip:reg1.example.com:5060"), Optional.of(SipUri.parse("sip:fe2.example.com"))));
    }

    @Test
    void a_pool_without_backup_pool_names_only_a_primary_and_its_next_hop_serves_as_registrar() {
        assertThat(director.registrarsOf(Aor.parse("sip:bob@example.com"))).contains(Registrars.primaryOnly(SipUri.parse("sip:fe2.example.com")));
    }

    @Test
    void a_user_homed_nowhere_has_no_registrars() {
        assertThat(director.registrarsOf(Aor.parse("sip:mallory@example.com"))).isEmpty();
    }

    @Test
    void a_301_is_read_by_q_value_and_contacts_without_host_are_ignored() {
        SipUri one = SipUri.parse("sip:reg1.example.com");
        SipUri two = SipUri.parse("sip:reg2.example.com");
        assertThat(Redirects.registrarsFrom(List.of(new ContactChoice(two, Optional.of(0.3f)), new ContactChoice(one, Optional.of(0.7f)))))
                .contains(new Registrars(one, Optional.of(two)));
        assertThat(Redirects.registrarsFrom(List.of(new ContactChoice(one, Optional.of(0.7f)), new ContactChoice(one, Optional.of(0.3f)))))
                .contains(Registrars.primaryOnly(one));
        assertThat(Redirects.registrarsFrom(List.of())).isEmpty();
    }
}
