package org.switchboard.dispatch.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.switchboard.dispatch.routing.Endpoints.BOB_DESK;
import static org.switchboard.dispatch.routing.Endpoints.CAROL_APP;
import static org.switchboard.dispatch.routing.Endpoints.DEFAULT;

import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.switchboard.dispatch.routing.RoutingDecision.DefaultRouted;
import org.switchboard.dispatch.routing.RoutingDecision.Delivered;
import org.switchboard.dispatch.routing.RoutingDecision.Reason;
import org.switchboard.dispatch.routing.RoutingDecision.Rejected;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.testing.MutableClock;

/** The domain rule: an endpoint (the XMPP bridge) takes every request to a domain that no endpoint's AOR matches. */
class RouterDomainTest {

    private static final String XMPP_USERS = "xmpp.example.com";
    private static final EndpointRef BRIDGE = EndpointRef.application("xmpp-bridge", Aor.parse("sip:xmpp-bridge@example.com"));
    private static final EndpointRef ZOE_IN_THE_DOMAIN = EndpointRef.user("zoe", Aor.parse("sip:zoe@xmpp.example.com"), new EndpointId("zzz"));
    private static final Rejected NOT_FOUND = new Rejected(404, "No matching endpoint");

    private final RoutingTable table = new RoutingTable();
    private final ConversationRegistry conversations = new ConversationRegistry(new MutableClock(), Duration.ofMinutes(30), 1000);
    private final Router router = new Router(table, conversations);

    @BeforeEach
    void registerEndpoints() {
        table.add(CAROL_APP);
        table.add(BOB_DESK);
        table.add(DEFAULT);
        table.add(BRIDGE);
        table.add(ZOE_IN_THE_DOMAIN);
        table.setDomainEndpoint(XMPP_USERS, BRIDGE);
    }

    private RoutingDecision route(Requests request) {
        return router.route(request.build());
    }

    @Test
    void a_request_to_any_user_of_the_domain_goes_to_its_endpoint() {
        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
        assertThat(route(Requests.to("sip:dave@xmpp.example.com;transport=tcp"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void the_domain_is_matched_without_regard_to_case() {
        assertThat(route(Requests.to("sip:alice@XMPP.Example.COM"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void a_domain_given_in_upper_case_is_matched_too() {
        RoutingTable other = new RoutingTable();
        other.add(BRIDGE);
        other.setDomainEndpoint("XMPP.Example.Com", BRIDGE);

        assertThat(new Router(other, conversations).route(Requests.to("sip:alice@xmpp.example.com").build()))
                .isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void an_endpoint_owning_the_aor_wins_over_the_domain() {
        assertThat(route(Requests.to("sip:zoe@xmpp.example.com"))).isEqualTo(new Delivered(ZOE_IN_THE_DOMAIN, Rule.TO_AOR));
    }

    @Test
    void a_request_to_another_domain_is_not_taken() {
        table.setDefaultRoutingEndpoint(DEFAULT);

        assertThat(route(Requests.to("sip:ghost@example.com"))).isEqualTo(new DefaultRouted(DEFAULT, Reason.NO_MATCH));
        assertThat(route(Requests.to("sip:alice@sub.xmpp.example.com"))).isEqualTo(new DefaultRouted(DEFAULT, Reason.NO_MATCH));
    }

    @Test
    void the_domain_rule_wins_over_the_default_routing_endpoint_and_a_known_conversation() {
        table.setDefaultRoutingEndpoint(DEFAULT);
        conversations.remember(new ConversationId("conv"), CAROL_APP);

        assertThat(route(Requests.to("sip:alice@xmpp.example.com").conversation("conv"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void an_application_aor_header_decides_alone() {
        assertThat(route(Requests.to("sip:alice@xmpp.example.com").applicationAor("sip:carol@example.com")))
                .isEqualTo(new Delivered(CAROL_APP, Rule.APPLICATION_AOR_HEADER));
        assertThat(route(Requests.to("sip:alice@xmpp.example.com").applicationAor("sip:ghost@example.com"))).isEqualTo(NOT_FOUND);
    }

    @Test
    void a_gruu_of_an_unknown_endpoint_in_the_domain_is_not_taken() {
        assertThat(route(Requests.to("sip:alice@xmpp.example.com;gr=urn:uuid:00000000-0000-0000-0000-000000000000"))).isEqualTo(NOT_FOUND);
    }

    @Test
    void an_epid_no_endpoint_of_the_aor_has_falls_to_the_domain() {
        assertThat(route(Requests.to("sip:zoe@xmpp.example.com;epid=other"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void an_in_dialog_request_to_the_domain_goes_to_its_endpoint() {
        assertThat(route(Requests.to("sip:alice@xmpp.example.com").inDialog())).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void removing_the_endpoint_gives_the_domain_up() {
        table.remove(BRIDGE);

        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).isEqualTo(NOT_FOUND);
        table.add(BRIDGE);
        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).as("re-added, it must take the domain again").isEqualTo(NOT_FOUND);
    }

    @Test
    void the_domain_can_be_given_to_another_endpoint_after_its_endpoint_left() {
        table.remove(BRIDGE);
        table.setDomainEndpoint(XMPP_USERS, CAROL_APP);

        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).isEqualTo(new Delivered(CAROL_APP, Rule.TO_DOMAIN));
    }

    @Test
    void an_unregistered_endpoint_cannot_take_a_domain() {
        EndpointRef stranger = EndpointRef.application("stranger", Aor.parse("sip:stranger@example.com"));

        assertThatThrownBy(() -> table.setDomainEndpoint("other.example.com", stranger)).isInstanceOf(IllegalArgumentException.class);
        assertThat(route(Requests.to("sip:x@other.example.com"))).isEqualTo(NOT_FOUND);
    }

    @Test
    void a_domain_taken_by_one_endpoint_cannot_be_taken_by_another() {
        assertThatThrownBy(() -> table.setDomainEndpoint("XMPP.example.com", CAROL_APP)).isInstanceOf(IllegalArgumentException.class);
        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void taking_the_same_domain_again_is_harmless() {
        table.setDomainEndpoint(XMPP_USERS, BRIDGE);

        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }

    @Test
    void one_endpoint_may_take_several_domains() {
        table.setDomainEndpoint("chat.example.org", BRIDGE);

        assertThat(route(Requests.to("sip:alice@chat.example.org"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
        assertThat(route(Requests.to("sip:alice@xmpp.example.com"))).isEqualTo(new Delivered(BRIDGE, Rule.TO_DOMAIN));
    }
}
