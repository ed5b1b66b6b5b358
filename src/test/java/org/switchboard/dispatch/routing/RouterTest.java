package org.switchboard.dispatch.routing;

import org.switchboard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.dispatch.routing.Endpoints.ALICE;
import static org.switchboard.dispatch.routing.Endpoints.ALICE_LAPTOP;
import static org.switchboard.dispatch.routing.Endpoints.ALICE_PHONE;
import static org.switchboard.dispatch.routing.Endpoints.BOB_DESK;
import static org.switchboard.dispatch.routing.Endpoints.BOT;
import static org.switchboard.dispatch.routing.Endpoints.BOT_1;
import static org.switchboard.dispatch.routing.Endpoints.BOT_2;
import static org.switchboard.dispatch.routing.Endpoints.CAROL;
import static org.switchboard.dispatch.routing.Endpoints.CAROL_APP;
import static org.switchboard.dispatch.routing.Endpoints.DEFAULT;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.switchboard.dispatch.routing.RoutingDecision.DefaultRouted;
import org.switchboard.dispatch.routing.RoutingDecision.Delivered;
import org.switchboard.dispatch.routing.RoutingDecision.Reason;
import org.switchboard.dispatch.routing.RoutingDecision.Rejected;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.ConversationId;

class RouterTest {

    private static final Duration IDLE = Duration.ofMinutes(30);
    private static final Rejected NOT_FOUND = new Rejected(404, "No matching endpoint");
    private static final Rejected AMBIGUOUS = new Rejected(485, "Ambiguous");
    private static final Rejected UNKNOWN_DIALOG = new Rejected(481, "Call/Transaction Does Not Exist");

    private final MutableClock clock = new MutableClock();
    private final RoutingTable table = new RoutingTable();
    private final ConversationRegistry conversations = new ConversationRegistry(clock, IDLE, 1000);
    private final Router router = new Router(table, conversations);

    @BeforeEach
    void registerEndpoints() {
        table.add(BOT_1);
        table.add(BOT_2);
        table.add(CAROL_APP);
        table.add(ALICE_LAPTOP);
        table.add(ALICE_PHONE);
        table.add(BOB_DESK);
        table.add(DEFAULT);
    }

    private RoutingDecision route(Requests request) {
        return router.route(request.build());
    }

    private void handles(String conversation, EndpointRef endpoint) {
        conversations.remember(new ConversationId(conversation), endpoint);
    }

    private static String uriOf(EndpointRef endpoint) {
        return endpoint.gruu().uri().toString();
    }

    @Nested
    class ApplicationAorHeader {

        @Test
        void deliversToTheEndpointOwningTheAor() {
            assertThat(route(Requests.to("sip:carol@example.com").applicationAor("sip:carol@example.com")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.APPLICATION_AOR_HEADER));
        }

        @Test
        void overridesTheToUri() {
            assertThat(route(Requests.to(uriOf(ALICE_LAPTOP)).applicationAor("sip:carol@example.com")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.APPLICATION_AOR_HEADER));
        }

        @Test
        void ignoresTheParametersOfTheHeaderUri() {
            assertThat(route(Requests.to("sip:x@example.com").applicationAor("sip:carol@EXAMPLE.com;transport=tcp")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.APPLICATION_AOR_HEADER));
        }

        @Test
        void deliversToOneMemberOfAPool() {
            RoutingDecision decision = route(Requests.to("sip:x@example.com").applicationAor("sip:bot@example.com"));

            assertThat(decision).isIn(new Delivered(BOT_1, Rule.APPLICATION_AOR_HEADER), new Delivered(BOT_2, Rule.APPLICATION_AOR_HEADER));
        }

        @Test
        void namingAnAorNobodyOwnsIsNoMatchEvenWhenTheToUriMatches() {
            assertThat(route(Requests.to("sip:carol@example.com").applicationAor("sip:ghost@example.com")))
                    .isEqualTo(NOT_FOUND);
        }

        @Test
        void namingAnAorNobodyOwnsIgnoresAKnownConversation() {
            handles("conv", CAROL_APP);

            assertThat(route(Requests.to("sip:x@example.com").applicationAor("sip:ghost@example.com").conversation("conv")))
                    .isEqualTo(NOT_FOUND);
        }

        @Test
        void namingAnAorOfSeveralUserEndpointsIsAmbiguous() {
            assertThat(route(Requests.to("sip:x@example.com").applicationAor("sip:alice@example.com")))
                    .isEqualTo(AMBIGUOUS);
        }
    }

    @Nested
    class ToGruu {

        @Test
        void deliversToExactlyThatEndpoint() {
            assertThat(route(Requests.to(uriOf(ALICE_PHONE))))
                    .isEqualTo(new Delivered(ALICE_PHONE, Rule.TO_GRUU));
        }

        @Test
        void deliversToThatPoolMemberRatherThanTheNextInTurn() {
            for (int i = 0; i < 3; i++) {
                assertThat(route(Requests.to(uriOf(BOT_2)))).isEqualTo(new Delivered(BOT_2, Rule.TO_GRUU));
            }
        }

        @Test
        void winsOverADifferentEpidHeaderParameter() {
            assertThat(route(Requests.to(uriOf(ALICE_LAPTOP)).epidHeaderParameter("bbb")))
                    .isEqualTo(new Delivered(ALICE_LAPTOP, Rule.TO_GRUU));
        }

        @Test
        void ofAnUnknownEndpointIsNoMatch() {
            assertThat(route(Requests.to("sip:alice@example.com;gr=urn:uuid:00000000-0000-0000-0000-000000000000")))
                    .isEqualTo(NOT_FOUND);
        }

        @Test
        void withoutAGrValueIsNoMatch() {
            assertThat(route(Requests.to("sip:alice@example.com;gr"))).isEqualTo(NOT_FOUND);
        }
    }

    @Nested
    class ToAor {

        @Test
        void deliversToTheApplicationEndpointOwningIt() {
            assertThat(route(Requests.to("sip:carol@example.com")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.TO_AOR));
        }

        @Test
        void matchesByRfc3261Equivalence() {
            assertThat(route(Requests.to("sip:%63arol@Example.COM;transport=tcp")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.TO_AOR));
        }

        @Test
        void doesNotMatchTheAorWithAnExplicitPort() {
            assertThat(route(Requests.to("sip:carol@example.com:5060"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void deliversToTheSingleUserEndpointOwningIt() {
            assertThat(route(Requests.to("sip:bob@example.com")))
                    .isEqualTo(new Delivered(BOB_DESK, Rule.TO_AOR));
        }

        @Test
        void countsAPoolAsOneMatch() {
            assertThat(route(Requests.to("sip:bot@example.com")))
                    .isInstanceOf(Delivered.class);
        }

        @Test
        void balancesAPoolRoundRobin() {
            List<EndpointRef> deliveredTo = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                deliveredTo.add(((Delivered) route(Requests.to("sip:bot@example.com"))).endpoint());
            }

            assertThat(deliveredTo).containsExactly(BOT_1, BOT_2, BOT_1, BOT_2);
        }

        @Test
        void ofSeveralUserEndpointsWithoutEpidIsAmbiguous() {
            assertThat(route(Requests.to("sip:alice@example.com"))).isEqualTo(AMBIGUOUS);
        }

        @Test
        void isNarrowedByAnEpidUriParameter() {
            assertThat(route(Requests.to("sip:alice@example.com;epid=bbb")))
                    .isEqualTo(new Delivered(ALICE_PHONE, Rule.TO_AOR));
        }

        @Test
        void isNarrowedByAnEpidHeaderParameter() {
            assertThat(route(Requests.to("sip:alice@example.com").epidHeaderParameter("AAA")))
                    .isEqualTo(new Delivered(ALICE_LAPTOP, Rule.TO_AOR));
        }

        @Test
        void withAnEpidNoEndpointHasIsNoMatch() {
            assertThat(route(Requests.to("sip:alice@example.com;epid=zzz"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void withAnEpidOfAnotherUserIsNoMatch() {
            assertThat(route(Requests.to("sip:bob@example.com;epid=aaa"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void nobodyOwnsIsNoMatch() {
            assertThat(route(Requests.to("sip:ghost@example.com"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void winsOverAKnownConversation() {
            handles("conv", BOB_DESK);

            assertThat(route(Requests.to("sip:carol@example.com").conversation("conv")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.TO_AOR));
        }

        @Test
        void thatIsAmbiguousStaysAmbiguousWhenNoneOfItsMatchesHandlesTheConversation() {
            handles("conv", BOB_DESK);

            assertThat(route(Requests.to("sip:alice@example.com").conversation("conv"))).isEqualTo(AMBIGUOUS);
        }

        @Test
        void thatIsAmbiguousIsNarrowedToTheEndpointHandlingTheConversation() {
            handles("conv", ALICE_PHONE);

            assertThat(route(Requests.to("sip:alice@example.com").conversation("conv")))
                    .isEqualTo(new Delivered(ALICE_PHONE, Rule.CONVERSATION_ID));
        }

        @Test
        void thatIsAmbiguousIsNarrowedBeforeTheDefaultRoutingEndpointIsConsidered() {
            table.setDefaultRoutingEndpoint(DEFAULT);
            handles("conv", ALICE_LAPTOP);

            assertThat(route(Requests.to("sip:alice@example.com").conversation("conv")))
                    .isEqualTo(new Delivered(ALICE_LAPTOP, Rule.CONVERSATION_ID));
        }

        @Test
        void thatIsAmbiguousIsNarrowedByTheSenderTieBreakAmongItsMatches() {
            handles("conv", ALICE_LAPTOP);
            handles("conv", ALICE_PHONE);

            assertThat(route(Requests.to("sip:alice@example.com").conversation("conv").from("sip:dave@example.com")))
                    .isEqualTo(AMBIGUOUS);
        }

        @Test
        void thatIsAmbiguousIgnoresConversationHandlersOutsideItsMatches() {
            handles("conv", ALICE_PHONE);
            handles("conv", BOB_DESK);

            assertThat(route(Requests.to("sip:alice@example.com").conversation("conv").from("sip:alice@example.com")))
                    .isEqualTo(new Delivered(ALICE_PHONE, Rule.CONVERSATION_ID));
        }
    }

    @Nested
    class ConversationIdRule {

        @Test
        void deliversToTheEndpointHandlingTheConversationWhenTheToMatchesNothing() {
            handles("conv", BOB_DESK);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv")))
                    .isEqualTo(new Delivered(BOB_DESK, Rule.CONVERSATION_ID));
        }

        @Test
        void appliesWhenAToGruuMatchesNothing() {
            handles("conv", BOB_DESK);

            assertThat(route(Requests.to("sip:alice@example.com;gr=urn:uuid:00000000-0000-0000-0000-000000000000").conversation("conv")))
                    .isEqualTo(new Delivered(BOB_DESK, Rule.CONVERSATION_ID));
        }

        @Test
        void appliesWhenTheToEpidMatchesNothing() {
            handles("conv", ALICE_PHONE);

            assertThat(route(Requests.to("sip:alice@example.com;epid=zzz").conversation("conv")))
                    .isEqualTo(new Delivered(ALICE_PHONE, Rule.CONVERSATION_ID));
        }

        @Test
        void ofAnUnknownConversationIsNoMatch() {
            handles("conv", BOB_DESK);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("other"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void comparesConversationIdsCaseSensitively() {
            handles("Conv", BOB_DESK);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void tiePrefersTheEndpointNotActingForTheSender() {
            handles("conv", BOB_DESK);
            handles("conv", CAROL_APP);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv").from("sip:bob@example.com")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.CONVERSATION_ID));
        }

        @Test
        void tieComparesTheSenderByRfc3261Equivalence() {
            handles("conv", BOB_DESK);
            handles("conv", CAROL_APP);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv").from("sip:carol@EXAMPLE.com;transport=tls")))
                    .isEqualTo(new Delivered(BOB_DESK, Rule.CONVERSATION_ID));
        }

        @Test
        void tieWithNeitherActingForTheSenderIsAmbiguous() {
            handles("conv", BOB_DESK);
            handles("conv", CAROL_APP);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv").from("sip:dave@example.com")))
                    .isEqualTo(AMBIGUOUS);
        }

        @Test
        void tieWithBothActingForTheSenderIsAmbiguous() {
            handles("conv", ALICE_LAPTOP);
            handles("conv", ALICE_PHONE);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv").from("sip:alice@example.com")))
                    .isEqualTo(AMBIGUOUS);
        }

        @Test
        void idleConversationIsNoMatch() {
            handles("conv", BOB_DESK);
            clock.advance(IDLE);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void handlerThatWasRemovedIsNoMatch() {
            handles("conv", BOB_DESK);
            table.remove(BOB_DESK);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void conversationOfARemovedPoolMemberGoesToItsPool() {
            handles("conv", BOT_1);
            table.remove(BOT_1);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv")))
                    .isEqualTo(new Delivered(BOT_2, Rule.CONVERSATION_ID));
        }

        @Test
        void deliveryTeachesWhichEndpointHandlesTheConversation() {
            Delivered first = (Delivered) route(Requests.to("sip:bot@example.com").conversation("conv"));

            for (int i = 0; i < 3; i++) {
                assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv")))
                        .isEqualTo(new Delivered(first.endpoint(), Rule.CONVERSATION_ID));
            }
        }

        @Test
        void aRejectedRequestTeachesNothing() {
            route(Requests.to("sip:alice@example.com").conversation("conv"));

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv"))).isEqualTo(NOT_FOUND);
        }
    }

    @Nested
    class Outcomes {

        @Test
        void noMatchGoesToTheDefaultRoutingEndpoint() {
            table.setDefaultRoutingEndpoint(DEFAULT);

            assertThat(route(Requests.to("sip:ghost@example.com"))).isEqualTo(new DefaultRouted(DEFAULT, Reason.NO_MATCH));
        }

        @Test
        void ambiguityGoesToTheDefaultRoutingEndpoint() {
            table.setDefaultRoutingEndpoint(DEFAULT);

            assertThat(route(Requests.to("sip:alice@example.com"))).isEqualTo(new DefaultRouted(DEFAULT, Reason.AMBIGUOUS));
        }

        @Test
        void aSingleMatchIsDeliveredEvenWithADefaultRoutingEndpoint() {
            table.setDefaultRoutingEndpoint(DEFAULT);

            assertThat(route(Requests.to("sip:carol@example.com"))).isEqualTo(new Delivered(CAROL_APP, Rule.TO_AOR));
        }

        @Test
        void noMatchWithoutDefaultRoutingEndpointIsRejectedWith404() {
            assertThat(route(Requests.to("sip:ghost@example.com"))).isEqualTo(new Rejected(404, "No matching endpoint"));
        }

        @Test
        void ambiguityWithoutDefaultRoutingEndpointIsRejectedWith485() {
            assertThat(route(Requests.to("sip:alice@example.com"))).isEqualTo(new Rejected(485, "Ambiguous"));
        }

        @Test
        void inDialogRequestMatchingNothingIsRejectedWith481() {
            assertThat(route(Requests.to("sip:ghost@example.com").inDialog()))
                    .isEqualTo(new Rejected(481, "Call/Transaction Does Not Exist"));
        }

        @Test
        void inDialogRequestMatchingNothingGoesToTheDefaultRoutingEndpoint() {
            table.setDefaultRoutingEndpoint(DEFAULT);

            assertThat(route(Requests.to("sip:ghost@example.com").inDialog())).isEqualTo(new DefaultRouted(DEFAULT, Reason.NO_MATCH));
        }

        @Test
        void inDialogRequestMatchingSeveralIsRejectedWith485() {
            assertThat(route(Requests.to("sip:alice@example.com").inDialog())).isEqualTo(AMBIGUOUS);
        }

        @Test
        void inDialogRequestToAKnownEndpointIsDelivered() {
            assertThat(route(Requests.to(uriOf(BOB_DESK)).inDialog())).isEqualTo(new Delivered(BOB_DESK, Rule.TO_GRUU));
        }

        @Test
        void removedDefaultRoutingEndpointReceivesNothing() {
            table.setDefaultRoutingEndpoint(DEFAULT);
            table.remove(DEFAULT);

            assertThat(route(Requests.to("sip:ghost@example.com"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void removedEndpointReceivesNothing() {
            table.remove(CAROL_APP);

            assertThat(route(Requests.to("sip:carol@example.com"))).isEqualTo(NOT_FOUND);
        }

        @Test
        void endpointAddedAtRunTimeReceivesAtOnce() {
            EndpointRef dave = EndpointRef.application("dave", Aor.parse("sip:dave@example.com"));
            table.add(dave);

            assertThat(route(Requests.to("sip:dave@example.com"))).isEqualTo(new Delivered(dave, Rule.TO_AOR));
        }
    }

    @Nested
    class Redispatch {

        @Test
        void deliversToTheNamedTarget() {
            assertThat(router.redispatch(Requests.to("sip:ghost@example.com").build(), CAROL))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.REDISPATCHED));
        }

        @Test
        void deliversToOneMemberOfANamedPool() {
            assertThat(router.redispatch(Requests.to("sip:ghost@example.com").build(), BOT))
                    .isIn(new Delivered(BOT_1, Rule.REDISPATCHED), new Delivered(BOT_2, Rule.REDISPATCHED));
        }

        @Test
        void ofAnUnownedTargetIsRejectedRatherThanSentBackToTheDefaultRoutingEndpoint() {
            table.setDefaultRoutingEndpoint(DEFAULT);

            assertThat(router.redispatch(Requests.to("sip:ghost@example.com").build(), Aor.parse("sip:nobody@example.com")))
                    .isEqualTo(NOT_FOUND);
        }

        @Test
        void toAUserWithSeveralEndpointsIsAmbiguous() {
            assertThat(router.redispatch(Requests.to("sip:ghost@example.com").build(), ALICE)).isEqualTo(AMBIGUOUS);
        }

        @Test
        void ofAnInDialogRequestToAnUnownedTargetIsRejectedWith481() {
            assertThat(router.redispatch(Requests.to("sip:ghost@example.com").inDialog().build(), Aor.parse("sip:nobody@example.com")))
                    .isEqualTo(UNKNOWN_DIALOG);
        }

        @Test
        void teachesTheConversationToTheTarget() {
            router.redispatch(Requests.to("sip:ghost@example.com").conversation("conv").build(), CAROL);

            assertThat(route(Requests.to("sip:ghost@example.com").conversation("conv")))
                    .isEqualTo(new Delivered(CAROL_APP, Rule.CONVERSATION_ID));
        }
    }

    @Nested
    class DialogOnlyMethods {

        @Test
        void byePrackAndUpdateOutsideADialogAreAnswered481() {
            for (String method : List.of("BYE", "PRACK", "UPDATE")) {
                assertThat(Router.outsideItsDialog(method)).contains(UNKNOWN_DIALOG);
            }
        }

        @Test
        void otherMethodsOutsideADialogAreRoutedAsUsual() {
            for (String method : List.of("INFO", "MESSAGE", "OPTIONS", "SUBSCRIBE", "NOTIFY", "INVITE", "bye")) {
                assertThat(Router.outsideItsDialog(method)).isEmpty();
            }
        }
    }
}
