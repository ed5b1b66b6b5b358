package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.NoResponseException;
import org.switchboard.endpoint.SipResponse;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/** The wait for the answer to a request an endpoint sent, on a manual clock: what completes it, and how. */
class PendingAnswerTest {

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<SipResponse> provisionals = new ArrayList<>();
    private final PendingAnswer answer = new PendingAnswer("MESSAGE to sip:peer@example.com", scheduler, PendingAnswer.Timeouts.DEFAULT,
            provisionals::add);

    private static SipResponse response(int status, String reason) {
        return SipResponse.of(status, reason, Map.of("Server", List.of("peer 1.0")), Optional.empty(), null);
    }

    private CompletableFuture<SipResponse> outcome() {
        return answer.stage().toCompletableFuture();
    }

    private NoResponseException failure() {
        assertThat(outcome()).isCompletedExceptionally();
        try {
            outcome().get();
            throw new AssertionError("completed normally");
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(NoResponseException.class);
            return (NoResponseException) e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void the_final_response_completes_the_stage_with_its_status_reason_and_headers() {
        answer.sent();
        answer.response(response(486, "Busy Here"), false);

        SipResponse got = outcome().getNow(null);
        assertThat(got.status()).isEqualTo(486);
        assertThat(got.reasonPhrase()).isEqualTo("Busy Here");
        assertThat(got.header("server")).contains("peer 1.0");
    }

    @Test
    void a_final_response_stops_the_fallback_timer() {
        answer.sent();
        answer.response(response(200, "OK"), false);

        assertThat(scheduler.pending()).isZero();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(outcome().getNow(null).status()).isEqualTo(200);
    }

    @Test
    void a_408_the_container_made_on_a_transaction_timeout_completes_exceptionally_as_a_timeout() {
        answer.sent();
        answer.response(response(408, "Request Timeout"), true);

        NoResponseException failure = failure();
        assertThat(failure.reason()).isEqualTo(NoResponseException.Reason.TIMEOUT);
        assertThat(failure.getMessage()).contains("MESSAGE to sip:peer@example.com").contains("timed out");
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void a_408_from_the_peer_is_a_final_response() {
        answer.sent();
        answer.response(response(408, "Request Timeout"), false);

        assertThat(outcome().getNow(null).status()).isEqualTo(408);
    }

    @Test
    void without_any_signal_the_fallback_ends_the_wait_as_a_timeout_some_seconds_after_timer_f() {
        answer.sent();

        scheduler.advance(PendingAnswer.TIMER_F);
        assertThat(outcome()).isNotDone(); // the container's own 408 is still due: it should be what ends the wait
        scheduler.advance(PendingAnswer.FALLBACK_FIRST.minus(PendingAnswer.TIMER_F).minusMillis(1));
        assertThat(outcome()).isNotDone();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(failure().reason()).isEqualTo(NoResponseException.Reason.TIMEOUT);
        assertThat(failure().getMessage()).contains("none within 40 s");
    }

    @Test
    void provisional_responses_are_heard_in_order_before_the_final_one() {
        answer.sent();
        answer.response(response(180, "Ringing"), false);
        answer.response(response(182, "Queued"), false);
        assertThat(outcome()).isNotDone();

        answer.response(response(200, "OK"), false);
        answer.response(response(183, "Late"), false);

        assertThat(provisionals).extracting(SipResponse::status).containsExactly(180, 182);
        assertThat(outcome().getNow(null).status()).isEqualTo(200);
    }

    @Test
    void a_provisional_response_makes_the_fallback_wait_for_timer_c_from_then_on() {
        answer.sent();
        scheduler.advance(Duration.ofSeconds(20));
        answer.response(response(180, "Ringing"), false);

        scheduler.advance(PendingAnswer.TIMER_C.minusMillis(1));
        assertThat(outcome()).isNotDone();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(failure().reason()).isEqualTo(NoResponseException.Reason.TIMEOUT);
    }

    @Test
    void a_provisional_response_being_heard_is_heard_before_the_final_response_completes_the_stage() throws Exception {
        // The container hands responses of one transaction to several threads at once: a 180 taken first and
        // a 486 right behind it. The bean's chained code must see the 180 it was told about.
        CountDownLatch hearing = new CountDownLatch(1);
        CountDownLatch heard = new CountDownLatch(1);
        List<Integer> heardSoFar = new CopyOnWriteArrayList<>();
        PendingAnswer racing = new PendingAnswer("MESSAGE to sip:peer@example.com", scheduler, PendingAnswer.Timeouts.DEFAULT,
                response -> {
                    hearing.countDown();
                    await(heard);
                    heardSoFar.add(response.status());
                });
        List<String> seenByTheBean = new CopyOnWriteArrayList<>();
        racing.stage().thenAccept(response -> seenByTheBean.add(heardSoFar + " then " + response.status()));
        racing.sent();
        Thread provisional = new Thread(() -> racing.response(response(180, "Ringing"), false), "container-1");
        Thread last = new Thread(() -> racing.response(response(486, "Busy Here"), false), "container-2");
        provisional.start();
        await(hearing);
        last.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (last.getState() != Thread.State.BLOCKED && last.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // until the final response waits for the 180 being heard, or (the fault) gets past it
        }
        heard.countDown();
        provisional.join(10_000);
        last.join(10_000);

        assertThat(seenByTheBean).containsExactly("[180] then 486");
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a_provisional_listener_that_throws_does_not_cost_the_final_answer() {
        PendingAnswer failing = new PendingAnswer("MESSAGE to sip:peer@example.com", scheduler, PendingAnswer.Timeouts.DEFAULT,
                response -> {
                    throw new IllegalStateException("bean bug");
                });
        failing.sent();
        failing.response(response(180, "Ringing"), false);
        failing.response(response(200, "OK"), false);

        assertThat(failing.stage().toCompletableFuture().getNow(null).status()).isEqualTo(200);
    }

    @Test
    void a_request_that_cannot_be_sent_completes_exceptionally_as_a_transport_failure_with_its_cause() {
        java.io.IOException refused = new java.io.IOException("Connection refused");
        answer.notSent(refused);

        NoResponseException failure = failure();
        assertThat(failure.reason()).isEqualTo(NoResponseException.Reason.TRANSPORT);
        assertThat(failure.getCause()).isSameAs(refused);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void the_first_outcome_wins_and_later_ones_are_dropped() {
        answer.sent();
        scheduler.advance(PendingAnswer.FALLBACK_FIRST);
        answer.response(response(200, "OK"), false);

        assertThat(failure().reason()).isEqualTo(NoResponseException.Reason.TIMEOUT);
    }

    @Test
    void callbacks_chained_on_the_stage_see_the_outcome() {
        List<String> seen = new ArrayList<>();
        answer.stage().whenComplete((response, failure) -> seen.add(failure instanceof NoResponseException none
                ? none.reason().name() : String.valueOf(response.status())));
        answer.sent();
        answer.response(response(200, "OK"), false);

        assertThat(seen).containsExactly("200");
    }
}
