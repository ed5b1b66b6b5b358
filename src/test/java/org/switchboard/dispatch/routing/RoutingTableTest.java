package org.switchboard.dispatch.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.switchboard.dispatch.routing.Endpoints.ALICE;
import static org.switchboard.dispatch.routing.Endpoints.ALICE_LAPTOP;
import static org.switchboard.dispatch.routing.Endpoints.ALICE_PHONE;
import static org.switchboard.dispatch.routing.Endpoints.BOB;
import static org.switchboard.dispatch.routing.Endpoints.BOT;
import static org.switchboard.dispatch.routing.Endpoints.BOT_1;
import static org.switchboard.dispatch.routing.Endpoints.BOT_2;
import static org.switchboard.dispatch.routing.Endpoints.CAROL;
import static org.switchboard.dispatch.routing.Endpoints.CAROL_APP;
import static org.switchboard.dispatch.routing.Endpoints.DEFAULT;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.Gruu;

class RoutingTableTest {

    private final RoutingTable table = new RoutingTable();

    @Test
    void findsAnEndpointByItsOwnerAor() {
        table.add(CAROL_APP);

        assertThat(table.ownedBy(CAROL)).containsExactly(CAROL_APP);
    }

    @Test
    void findsAnEndpointByItsGruu() {
        table.add(ALICE_LAPTOP);

        assertThat(table.byGruu(ALICE_LAPTOP.gruu())).contains(ALICE_LAPTOP);
    }

    @Test
    void findsAnEndpointByAorAndEpid() {
        table.add(ALICE_LAPTOP);
        table.add(ALICE_PHONE);

        assertThat(table.byEndpointId(ALICE, new EndpointId("bbb"))).contains(ALICE_PHONE);
    }

    @Test
    void findsAnEndpointByAnEquivalentSpellingOfItsAor() {
        table.add(CAROL_APP);

        assertThat(table.ownedBy(Aor.parse("sip:carol@EXAMPLE.com;transport=tcp"))).containsExactly(CAROL_APP);
    }

    @Test
    void findsNothingForAnUnknownAorGruuOrEpid() {
        table.add(ALICE_LAPTOP);

        assertThat(table.ownedBy(BOB)).isEmpty();
        assertThat(table.byGruu(Gruu.derive(ALICE, "unknown"))).isEmpty();
        assertThat(table.byEndpointId(ALICE, new EndpointId("zzz"))).isEmpty();
    }

    @Test
    void secondApplicationInstanceJoinsThePoolAndALookupYieldsOneMember() {
        table.add(BOT_1);
        table.add(BOT_2);

        assertThat(table.ownedBy(BOT)).hasSize(1).containsAnyOf(BOT_1, BOT_2);
    }

    @Test
    void poolMembersTakeTurns() {
        EndpointRef bot3 = EndpointRef.application("bot-3", BOT);
        table.add(BOT_1);
        table.add(BOT_2);
        table.add(bot3);

        List<EndpointRef> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picked.addAll(table.ownedBy(BOT));
        }

        assertThat(picked).containsExactly(BOT_1, BOT_2, bot3, BOT_1, BOT_2, bot3);
    }

    @Test
    void userEndpointsSharingAnAorAreAllCandidates() {
        table.add(ALICE_LAPTOP);
        table.add(ALICE_PHONE);

        assertThat(table.ownedBy(ALICE)).containsExactly(ALICE_LAPTOP, ALICE_PHONE);
    }

    @Test
    void rejectsADuplicateGruuNamingIt() {
        table.add(ALICE_LAPTOP);
        EndpointRef sameGruu = new EndpointRef("other", EndpointRef.Kind.USER, ALICE, ALICE_LAPTOP.gruu(), Optional.of(new EndpointId("zzz")));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> table.add(sameGruu))
                .withMessageContaining("duplicate GRUU " + ALICE_LAPTOP.gruu());
        assertThat(table.byEndpointId(ALICE, new EndpointId("zzz"))).isEmpty();
    }

    @Test
    void rejectsADuplicateEpidForOneAorNamingIt() {
        table.add(ALICE_LAPTOP);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> table.add(EndpointRef.user("alice-tablet", ALICE, new EndpointId("AAA"))))
                .withMessageContaining("duplicate epid aaa for AOR sip:alice@example.com");
        assertThat(table.ownedBy(ALICE)).containsExactly(ALICE_LAPTOP);
    }

    @Test
    void allowsTheSameEpidUnderDifferentAors() {
        table.add(ALICE_LAPTOP);
        EndpointRef bobLaptop = EndpointRef.user("bob-laptop", BOB, new EndpointId("aaa"));

        table.add(bobLaptop);

        assertThat(table.byEndpointId(BOB, new EndpointId("aaa"))).contains(bobLaptop);
    }

    @Test
    void rejectsAUserEndpointOnAnApplicationAor() {
        table.add(BOT_1);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> table.add(EndpointRef.user("bot-user", BOT, new EndpointId("x"))))
                .withMessageContaining("AOR sip:bot@example.com is owned by application endpoints");
    }

    @Test
    void rejectsAnApplicationEndpointOnAUserAor() {
        table.add(ALICE_LAPTOP);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> table.add(EndpointRef.application("alice-bot", ALICE)))
                .withMessageContaining("AOR sip:alice@example.com is owned by user endpoints");
    }

    @Test
    void removedEndpointIsFoundNoMore() {
        table.add(ALICE_LAPTOP);

        assertThat(table.remove(ALICE_LAPTOP)).isTrue();

        assertThat(table.ownedBy(ALICE)).isEmpty();
        assertThat(table.byGruu(ALICE_LAPTOP.gruu())).isEmpty();
        assertThat(table.byEndpointId(ALICE, new EndpointId("aaa"))).isEmpty();
        assertThat(table.endpoints()).isEmpty();
    }

    @Test
    void removingAnUnregisteredEndpointReportsFalse() {
        assertThat(table.remove(ALICE_LAPTOP)).isFalse();
    }

    @Test
    void removingAPoolMemberLeavesTheOthersServing() {
        table.add(BOT_1);
        table.add(BOT_2);

        table.remove(BOT_1);

        assertThat(table.ownedBy(BOT)).containsExactly(BOT_2);
        assertThat(table.ownedBy(BOT)).containsExactly(BOT_2);
    }

    @Test
    void aRemovedAorMayBeTakenByTheOtherKind() {
        table.add(BOT_1);
        table.remove(BOT_1);
        EndpointRef botUser = EndpointRef.user("bot-user", BOT, new EndpointId("x"));

        table.add(botUser);

        assertThat(table.ownedBy(BOT)).containsExactly(botUser);
    }

    @Test
    void listsEveryRegisteredEndpoint() {
        table.add(BOT_1);
        table.add(BOT_2);
        table.add(ALICE_LAPTOP);

        assertThat(table.endpoints()).containsExactlyInAnyOrder(BOT_1, BOT_2, ALICE_LAPTOP);
    }

    @Test
    void hasNoDefaultRoutingEndpointUntilOneIsSet() {
        assertThat(table.defaultRoutingEndpoint()).isEmpty();
    }

    @Test
    void setsTheDefaultRoutingEndpoint() {
        table.add(DEFAULT);

        table.setDefaultRoutingEndpoint(DEFAULT);

        assertThat(table.defaultRoutingEndpoint()).contains(DEFAULT);
    }

    @Test
    void settingTheSameDefaultRoutingEndpointAgainChangesNothing() {
        table.add(DEFAULT);
        table.setDefaultRoutingEndpoint(DEFAULT);

        table.setDefaultRoutingEndpoint(DEFAULT);

        assertThat(table.defaultRoutingEndpoint()).contains(DEFAULT);
    }

    @Test
    void rejectsASecondDefaultRoutingEndpoint() {
        table.add(DEFAULT);
        table.add(CAROL_APP);
        table.setDefaultRoutingEndpoint(DEFAULT);

        assertThatIllegalStateException()
                .isThrownBy(() -> table.setDefaultRoutingEndpoint(CAROL_APP))
                .withMessageContaining("there is already a default routing endpoint")
                .withMessageContaining("'fallback'")
                .withMessageContaining("'carol'");
        assertThat(table.defaultRoutingEndpoint()).contains(DEFAULT);
    }

    @Test
    void rejectsAnUnregisteredDefaultRoutingEndpoint() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> table.setDefaultRoutingEndpoint(DEFAULT))
                .withMessageContaining("must be registered first");
    }

    @Test
    void removingTheDefaultRoutingEndpointLeavesNone() {
        table.add(DEFAULT);
        table.setDefaultRoutingEndpoint(DEFAULT);

        table.remove(DEFAULT);

        assertThat(table.defaultRoutingEndpoint()).isEmpty();
    }
}
