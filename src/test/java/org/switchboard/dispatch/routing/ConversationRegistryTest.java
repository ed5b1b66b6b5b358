package org.switchboard.dispatch.routing;

import org.switchboard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.switchboard.dispatch.routing.Endpoints.ALICE_LAPTOP;
import static org.switchboard.dispatch.routing.Endpoints.BOB_DESK;
import static org.switchboard.dispatch.routing.Endpoints.BOT;
import static org.switchboard.dispatch.routing.Endpoints.BOT_1;
import static org.switchboard.dispatch.routing.Endpoints.BOT_2;
import static org.switchboard.dispatch.routing.Endpoints.CAROL_APP;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointId;

class ConversationRegistryTest {

    private static final Duration IDLE = Duration.ofMinutes(10);
    private static final ConversationId FIRST = new ConversationId("conv-1");
    private static final ConversationId SECOND = new ConversationId("conv-2");
    private static final ConversationId THIRD = new ConversationId("conv-3");

    private final MutableClock clock = new MutableClock();
    private final ConversationRegistry registry = new ConversationRegistry(clock, IDLE, 100);

    @Test
    void remembersTheEndpointHandlingAConversation() {
        registry.remember(FIRST, ALICE_LAPTOP);

        assertThat(registry.handlersOf(FIRST)).containsExactly(ALICE_LAPTOP);
    }

    @Test
    void knowsNoHandlerOfAnUnknownConversation() {
        assertThat(registry.handlersOf(FIRST)).isEmpty();
    }

    @Test
    void keepsBothSidesOfAConversationMostRecentLast() {
        registry.remember(FIRST, ALICE_LAPTOP);
        registry.remember(FIRST, CAROL_APP);

        assertThat(registry.handlersOf(FIRST)).containsExactly(ALICE_LAPTOP, CAROL_APP);
    }

    @Test
    void rememberingAnEndpointAgainKeepsOneEntryForIt() {
        registry.remember(FIRST, ALICE_LAPTOP);
        registry.remember(FIRST, CAROL_APP);
        registry.remember(FIRST, ALICE_LAPTOP);

        assertThat(registry.handlersOf(FIRST)).containsExactly(CAROL_APP, ALICE_LAPTOP);
    }

    @Test
    void aLaterPoolMemberReplacesTheEarlierOneBecauseThePoolIsOneHandler() {
        registry.remember(FIRST, BOT_1);
        registry.remember(FIRST, BOT_2);

        assertThat(registry.handlersOf(FIRST)).containsExactly(BOT_2);
    }

    @Test
    void handlerStaysUntilJustBeforeTheIdleTimeout() {
        registry.remember(FIRST, ALICE_LAPTOP);

        clock.advance(IDLE.minusMillis(1));

        assertThat(registry.handlersOf(FIRST)).containsExactly(ALICE_LAPTOP);
    }

    @Test
    void handlerLapsesOnceIdleForTheTimeout() {
        registry.remember(FIRST, ALICE_LAPTOP);

        clock.advance(IDLE);

        assertThat(registry.handlersOf(FIRST)).isEmpty();
        assertThat(registry.size()).isZero();
    }

    @Test
    void aNewRequestRestartsTheIdleTime() {
        registry.remember(FIRST, ALICE_LAPTOP);
        clock.advance(IDLE.minusMinutes(1));

        registry.remember(FIRST, ALICE_LAPTOP);
        clock.advance(IDLE.minusMinutes(1));

        assertThat(registry.handlersOf(FIRST)).containsExactly(ALICE_LAPTOP);
    }

    @Test
    void lookupDoesNotRestartTheIdleTime() {
        registry.remember(FIRST, ALICE_LAPTOP);
        clock.advance(IDLE.minusMinutes(1));
        registry.handlersOf(FIRST);

        clock.advance(Duration.ofMinutes(1));

        assertThat(registry.handlersOf(FIRST)).isEmpty();
    }

    @Test
    void anIdleHandlerLapsesWhileAnActiveOneStays() {
        registry.remember(FIRST, ALICE_LAPTOP);
        clock.advance(IDLE.minusMinutes(1));
        registry.remember(FIRST, CAROL_APP);

        clock.advance(Duration.ofMinutes(1));

        assertThat(registry.handlersOf(FIRST)).containsExactly(CAROL_APP);
    }

    @Test
    void purgeDropsIdleConversationsAndCountsThem() {
        registry.remember(FIRST, ALICE_LAPTOP);
        registry.remember(SECOND, BOB_DESK);
        clock.advance(Duration.ofMinutes(5));
        registry.remember(THIRD, CAROL_APP);
        clock.advance(Duration.ofMinutes(5));

        assertThat(registry.purgeExpired()).isEqualTo(2);

        assertThat(registry.size()).isEqualTo(1);
        assertThat(registry.handlersOf(THIRD)).containsExactly(CAROL_APP);
    }

    @Test
    void purgeKeepsAConversationRefreshedAfterItWasFirstSeen() {
        registry.remember(FIRST, ALICE_LAPTOP);
        registry.remember(SECOND, BOB_DESK);
        clock.advance(Duration.ofMinutes(5));
        registry.remember(FIRST, ALICE_LAPTOP);
        clock.advance(Duration.ofMinutes(5));

        assertThat(registry.purgeExpired()).isEqualTo(1);

        assertThat(registry.handlersOf(FIRST)).containsExactly(ALICE_LAPTOP);
        assertThat(registry.handlersOf(SECOND)).isEmpty();
    }

    @Test
    void purgeWithNothingIdleDropsNothing() {
        registry.remember(FIRST, ALICE_LAPTOP);

        assertThat(registry.purgeExpired()).isZero();
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void forgetsTheLeastRecentlyUsedConversationBeyondTheMaximum() {
        ConversationRegistry small = new ConversationRegistry(clock, IDLE, 2);
        small.remember(FIRST, ALICE_LAPTOP);
        small.remember(SECOND, BOB_DESK);

        small.remember(THIRD, CAROL_APP);

        assertThat(small.size()).isEqualTo(2);
        assertThat(small.handlersOf(FIRST)).isEmpty();
        assertThat(small.handlersOf(SECOND)).containsExactly(BOB_DESK);
        assertThat(small.handlersOf(THIRD)).containsExactly(CAROL_APP);
    }

    @Test
    void aNewRequestMakesAConversationTheMostRecentlyUsed() {
        ConversationRegistry small = new ConversationRegistry(clock, IDLE, 2);
        small.remember(FIRST, ALICE_LAPTOP);
        small.remember(SECOND, BOB_DESK);
        small.remember(FIRST, ALICE_LAPTOP);

        small.remember(THIRD, CAROL_APP);

        assertThat(small.handlersOf(FIRST)).containsExactly(ALICE_LAPTOP);
        assertThat(small.handlersOf(SECOND)).isEmpty();
    }

    @Test
    void keepsAtMostAFewHandlersPerConversationDroppingTheLeastRecent() {
        for (int i = 0; i <= ConversationRegistry.MAX_HANDLERS_PER_CONVERSATION; i++) {
            registry.remember(FIRST, EndpointRef.user("user-" + i, BOT, new EndpointId("e" + i)));
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(registry.handlersOf(FIRST))
                .hasSize(ConversationRegistry.MAX_HANDLERS_PER_CONVERSATION)
                .extracting(EndpointRef::name)
                .doesNotContain("user-0")
                .contains("user-" + ConversationRegistry.MAX_HANDLERS_PER_CONVERSATION);
    }

    @Test
    void rejectsANonPositiveIdleTimeout() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ConversationRegistry(clock, Duration.ZERO, 10))
                .withMessageContaining("idle timeout must be positive");
    }

    @Test
    void rejectsAMaximumBelowOne() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ConversationRegistry(clock, IDLE, 0))
                .withMessageContaining("at least 1");
    }
}
