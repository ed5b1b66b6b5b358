package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.presence.view.SubscriptionState.SUBSCRIBED;
import static org.switchboard.presence.view.SubscriptionState.SUBSCRIBING;
import static org.switchboard.presence.view.SubscriptionState.TERMINATED;
import static org.switchboard.presence.view.SubscriptionState.TERMINATING;
import static org.switchboard.presence.view.SubscriptionState.WAITING_FOR_RETRY;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/** The subscription state machine of one target, on a manual clock: no SIP, no sleeping. */
class TargetSubscriptionTest {

    private static final Aor BOB = Aor.parse("sip:bob@example.com");
    private static final Duration HOUR = Duration.ofHours(1);

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<Sent> sent = new ArrayList<>();
    private final List<StateChange> changes = new ArrayList<>();
    private final List<String> bodies = new ArrayList<>();
    private double random = 0.5; // no jitter unless a test says otherwise

    private record Sent(long dialog, Duration expires, long requestId) {
    }

    private TargetSubscription subscription(ViewMode mode) {
        return new TargetSubscription(BOB, mode, ViewPolicy::defaults, (target, dialog, expires, id) -> sent.add(new Sent(dialog, expires, id)),
                new SubscriptionEvents() {
                    @Override
                    public void stateChanged(StateChange change) {
                        changes.add(change);
                    }

                    @Override
                    public void presence(Aor target, String contentType, String body) {
                        bodies.add(body);
                    }
                }, scheduler, clock, () -> random, new java.util.concurrent.atomic.AtomicLong()::incrementAndGet);
    }

    private Sent last() {
        return sent.get(sent.size() - 1);
    }

    private static void answer(TargetSubscription s, Sent request, int status, Duration expires) {
        s.onResponse(request.requestId(), status, Optional.ofNullable(expires), Optional.empty(), Optional.empty(), Optional.empty());
    }

    private static NotifyState active() {
        return new NotifyState("active", Optional.of(HOUR), Optional.empty(), Optional.empty());
    }

    private static NotifyState terminated(String reason, Duration retryAfter) {
        return new NotifyState("terminated", Optional.empty(), Optional.ofNullable(reason), Optional.ofNullable(retryAfter));
    }

    private TargetSubscription subscribed() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        answer(s, last(), 200, HOUR);
        return s;
    }

    /** Answers 408 to the SUBSCRIBE and to each retry after its delay, until the retries are used up. */
    private void failEveryAttempt(TargetSubscription s) {
        for (int i = 0; i <= ViewPolicy.defaults().retryDelays().size(); i++) {
            answer(s, last(), 408, null);
            if (s.state() == WAITING_FOR_RETRY) {
                scheduler.advance(scheduler.nextDelay().orElseThrow());
            }
        }
    }

    private List<SubscriptionState> states() {
        return changes.stream().map(StateChange::to).toList();
    }

    @Test
    void starting_sends_a_subscribe_in_a_new_dialog_and_a_200_makes_it_subscribed() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        assertThat(sent).containsExactly(new Sent(1, HOUR, 1));
        answer(s, last(), 200, HOUR);
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
        assertThat(changes).extracting(StateChange::from, StateChange::to).containsExactly(
                org.assertj.core.groups.Tuple.tuple(SubscriptionState.IDLE, SUBSCRIBING),
                org.assertj.core.groups.Tuple.tuple(SUBSCRIBING, SUBSCRIBED));
        assertThat(changes.get(1).reason()).contains("200");
    }

    @Test
    void the_subscription_is_refreshed_in_the_same_dialog_a_minute_before_it_expires() {
        TargetSubscription s = subscribed();
        scheduler.advance(HOUR.minusMinutes(1).minusSeconds(1));
        assertThat(sent).hasSize(1);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(sent).hasSize(2);
        assertThat(last().dialog()).as("same dialog, same Call-ID").isEqualTo(1);
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
        answer(s, last(), 200, Duration.ofMinutes(10));
        scheduler.advance(Duration.ofMinutes(9));
        assertThat(sent).as("the next refresh follows the granted expiry").hasSize(3);
        assertThat(states()).containsExactly(SUBSCRIBING, SUBSCRIBED);
    }

    @Test
    void notifies_of_the_live_dialog_are_delivered_and_others_are_unknown() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        assertThat(s.onNotify(1, active(), Optional.of(new PresenceBody("application/pidf+xml", "first")))).isTrue();
        assertThat(s.state()).as("the first NOTIFY may overtake the 200").isEqualTo(SUBSCRIBED);
        answer(s, last(), 200, HOUR);
        assertThat(s.onNotify(1, active(), Optional.of(new PresenceBody("application/pidf+xml", "second")))).isTrue();
        assertThat(s.onNotify(7, active(), Optional.of(new PresenceBody("application/pidf+xml", "stranger")))).isFalse();
        assertThat(bodies).containsExactly("first", "second");
    }

    @Test
    void a_423_adopts_min_expires_for_this_and_later_subscribes() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        s.onResponse(last().requestId(), 423, Optional.empty(), Optional.of(Duration.ofHours(2)), Optional.empty(), Optional.empty());
        assertThat(last().expires()).isEqualTo(Duration.ofHours(2));
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        answer(s, last(), 200, Duration.ofHours(2));
        scheduler.advance(Duration.ofHours(2));
        assertThat(last().expires()).isEqualTo(Duration.ofHours(2));
        assertThat(last().dialog()).isEqualTo(s.dialog());
    }

    @Test
    void a_failed_refresh_re_establishes_with_a_new_call_id_after_each_configured_delay_then_terminates() {
        TargetSubscription s = subscribed();
        s.forceRefresh();
        s.onTimeout(last().requestId());
        assertThat(s.state()).isEqualTo(WAITING_FOR_RETRY);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(5));
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        assertThat(last().dialog()).as("a new dialog").isEqualTo(2);
        answer(s, last(), 503, null);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(15));
        scheduler.advance(Duration.ofSeconds(15));
        answer(s, last(), 481, null);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(30));
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(last().dialog()).isEqualTo(4);
        answer(s, last(), 408, null);
        assertThat(s.state()).isEqualTo(TERMINATED);
        assertThat(states()).containsSubsequence(WAITING_FOR_RETRY, SUBSCRIBING, WAITING_FOR_RETRY, SUBSCRIBING,
                WAITING_FOR_RETRY, SUBSCRIBING, TERMINATING, TERMINATED);
        assertThat(changes.get(changes.size() - 1).reason()).contains("gave up after 3 retries");
    }

    @Test
    void retry_delays_are_jittered_within_the_configured_fraction() {
        random = 0.0;
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        answer(s, last(), 500, null);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(4)); // 5 s × (1 − 0.2)
        random = 1.0;
        scheduler.advance(Duration.ofSeconds(4));
        answer(s, last(), 500, null);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(18)); // 15 s × (1 + 0.2)
    }

    @Test
    void a_retry_after_on_a_503_is_honoured() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        s.onResponse(last().requestId(), 503, Optional.empty(), Optional.empty(), Optional.of(Duration.ofSeconds(42)), Optional.empty());
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(42));
    }

    @Test
    void a_view_that_gave_up_is_re_established_with_a_doubling_backoff() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        failEveryAttempt(s);
        assertThat(s.state()).isEqualTo(TERMINATED);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(30));
        int before = sent.size();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        assertThat(sent).hasSize(before + 1);
        failEveryAttempt(s);
        assertThat(s.state()).isEqualTo(TERMINATED);
        assertThat(scheduler.nextDelay()).as("doubled").contains(Duration.ofSeconds(60));
        scheduler.advance(Duration.ofSeconds(60));
        answer(s, last(), 200, HOUR);
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
    }

    @Test
    void re_establishment_stops_when_the_view_lets_the_target_go() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        failEveryAttempt(s);
        assertThat(s.state()).isEqualTo(TERMINATED);
        s.stop();
        int before = sent.size();
        scheduler.advance(Duration.ofHours(5));
        assertThat(sent).hasSize(before);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void terminated_deactivated_or_timeout_subscribes_again_at_once_in_a_new_dialog() {
        for (String reason : List.of("deactivated", "timeout")) {
            TargetSubscription s = subscribed();
            long dialog = s.dialog();
            assertThat(s.onNotify(dialog, terminated(reason, null), Optional.empty())).isTrue();
            assertThat(s.state()).isEqualTo(SUBSCRIBING);
            assertThat(last().dialog()).isEqualTo(dialog + 1);
        }
    }

    @Test
    void terminated_probation_or_giveup_waits_for_retry_after_then_subscribes_again() {
        TargetSubscription s = subscribed();
        s.onNotify(1, terminated("probation", Duration.ofSeconds(20)), Optional.empty());
        assertThat(s.state()).isEqualTo(WAITING_FOR_RETRY);
        scheduler.advance(Duration.ofSeconds(19));
        assertThat(sent).hasSize(1);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        answer(s, last(), 200, HOUR);
        s.onNotify(s.dialog(), terminated("giveup", null), Optional.empty());
        assertThat(s.state()).isEqualTo(WAITING_FOR_RETRY);
        assertThat(scheduler.nextDelay()).contains(Duration.ofSeconds(5));
    }

    @Test
    void terminated_rejected_or_noresource_is_final() {
        for (String reason : List.of("rejected", "noresource")) {
            changes.clear();
            TargetSubscription s = subscribed();
            s.onNotify(s.dialog(), terminated(reason, null), Optional.empty());
            assertThat(s.state()).isEqualTo(TERMINATED);
            assertThat(changes.get(changes.size() - 1).reason()).contains(reason).contains("final");
            assertThat(scheduler.pending()).as("no refresh, retry or re-establishment").isZero();
        }
    }

    @Test
    void a_403_to_subscribe_is_final() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        answer(s, last(), 403, null);
        assertThat(s.state()).isEqualTo(TERMINATED);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void a_forced_refresh_goes_out_at_once_in_the_dialog_and_a_dead_peer_shows_at_once() {
        TargetSubscription s = subscribed();
        s.forceRefresh();
        assertThat(sent).hasSize(2);
        assertThat(last().dialog()).isEqualTo(1);
        s.onTimeout(last().requestId());
        assertThat(s.state()).isEqualTo(WAITING_FOR_RETRY);
    }

    @Test
    void a_forced_refresh_brings_back_a_terminated_subscription() {
        TargetSubscription s = subscribed();
        s.onNotify(1, terminated("rejected", null), Optional.empty());
        s.forceRefresh();
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        assertThat(last().dialog()).isEqualTo(2);
    }

    @Test
    void removing_a_target_unsubscribes_in_the_dialog_and_ends() {
        TargetSubscription s = subscribed();
        s.stop();
        assertThat(s.state()).isEqualTo(TERMINATING);
        assertThat(last()).isEqualTo(new Sent(1, Duration.ZERO, 2));
        answer(s, last(), 200, Duration.ZERO);
        assertThat(s.state()).isEqualTo(TERMINATED);
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void an_answer_to_a_request_already_given_up_on_is_ignored() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        Sent first = last();
        answer(s, first, 500, null);
        scheduler.advance(Duration.ofSeconds(5));
        answer(s, first, 200, HOUR);
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
    }

    @Test
    void polling_fetches_once_per_interval_with_expires_zero() {
        TargetSubscription s = subscription(ViewMode.POLLING);
        s.start();
        assertThat(last().expires()).isZero();
        answer(s, last(), 200, Duration.ZERO);
        assertThat(s.onNotify(1, terminated("timeout", null), Optional.of(new PresenceBody("application/pidf+xml", "fetched")))).isTrue();
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
        assertThat(bodies).containsExactly("fetched");
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(sent).hasSize(2);
        assertThat(last().dialog()).isEqualTo(2);
        assertThat(last().expires()).isZero();
    }

    /** Issue 17: listeners (the user's, the store writing to the database) never run under the subscription's monitor. */
    @Test
    void listeners_run_outside_the_subscriptions_monitor_and_a_slow_one_holds_up_no_other_thread() throws Exception {
        java.util.concurrent.CountDownLatch inListener = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<Boolean> heldLock = java.util.Collections.synchronizedList(new ArrayList<>());
        TargetSubscription[] self = new TargetSubscription[1];
        TargetSubscription s = new TargetSubscription(BOB, ViewMode.PERSISTENT, ViewPolicy::defaults,
                (target, dialog, expires, id) -> sent.add(new Sent(dialog, expires, id)), new SubscriptionEvents() {
                    @Override
                    public void stateChanged(StateChange change) {
                        heldLock.add(Thread.holdsLock(self[0]));
                        changes.add(change);
                    }

                    @Override
                    public void presence(Aor target, String contentType, String body) {
                        heldLock.add(Thread.holdsLock(self[0]));
                        if (body.equals("slow")) {
                            inListener.countDown();
                            try {
                                release.await(10, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        bodies.add(body);
                    }
                }, scheduler, clock, () -> random, new java.util.concurrent.atomic.AtomicLong()::incrementAndGet);
        self[0] = s;
        s.start();
        answer(s, last(), 200, HOUR);
        Thread slow = new Thread(() -> s.onNotify(1, active(), Optional.of(new PresenceBody("application/pidf+xml", "slow"))));
        slow.start();
        try {
            assertThat(inListener.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // While the slow listener runs, another thread's NOTIFY of the same target is handled at once.
            java.util.concurrent.CompletableFuture<Boolean> other = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> s.onNotify(1, active(), Optional.of(new PresenceBody("application/pidf+xml", "next"))));
            assertThat(other.get(5, java.util.concurrent.TimeUnit.SECONDS)).as("answered while the slow listener runs").isTrue();
            assertThat(s.state()).isEqualTo(SUBSCRIBED);
        } finally {
            release.countDown();
            slow.join(10_000);
        }
        assertThat(bodies).as("delivered in the order raised").containsExactly("slow", "next");
        assertThat(heldLock).isNotEmpty().containsOnly(false);
    }

    /** Issue 17: in production the listener (the presence store's database write) runs on delivery threads, not the SIP thread. */
    @Test
    void with_delivery_threads_the_thread_handling_a_notify_does_not_wait_for_the_listener() throws Exception {
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<String> heard = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            TargetSubscription s = new TargetSubscription(BOB, ViewMode.PERSISTENT, ViewPolicy::defaults,
                    (target, dialog, expires, id) -> sent.add(new Sent(dialog, expires, id)), new SubscriptionEvents() {
                        @Override
                        public void stateChanged(StateChange change) {
                            heard.add(change.to().name());
                        }

                        @Override
                        public void presence(Aor target, String contentType, String body) {
                            try {
                                release.await(10, java.util.concurrent.TimeUnit.SECONDS); // a database that takes its time
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            heard.add(body);
                        }
                    }, new org.switchboard.timing.SerialExecutor(threads), scheduler, clock, () -> random,
                    new java.util.concurrent.atomic.AtomicLong()::incrementAndGet);
            s.start();
            answer(s, last(), 200, HOUR);
            assertThat(s.onNotify(1, active(), Optional.of(new PresenceBody("application/pidf+xml", "first")))).isTrue();
            assertThat(s.onNotify(1, active(), Optional.of(new PresenceBody("application/pidf+xml", "second")))).isTrue();
            assertThat(heard).as("nothing of the bodies heard yet: the NOTIFYs were answered without waiting").doesNotContain("first");
            release.countDown();
            for (int i = 0; i < 500 && heard.size() < 4; i++) {
                Thread.sleep(10);
            }
            assertThat(heard).as("in the order raised").containsExactly("SUBSCRIBING", "SUBSCRIBED", "first", "second");
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    /** A fetch ends its subscription at once (Expires 0): the next fetch awaits its answer, it is no late refresh. */
    @Test
    void the_next_fetch_of_a_polling_view_awaits_its_answer() {
        TargetSubscription s = subscription(ViewMode.POLLING);
        s.start();
        answer(s, last(), 200, Duration.ZERO);
        scheduler.advance(ViewPolicy.defaults().pollingInterval());
        assertThat(sent).hasSize(2);
        Sent second = last();
        scheduler.advance(TargetSubscription.ANSWER_BACKSTOP.minusMillis(1));
        assertThat(s.state()).as("the second fetch is still awaited").isEqualTo(SUBSCRIBED);
        assertThat(sent).as("no retry while the fetch is awaited").hasSize(2);
        answer(s, second, 200, Duration.ZERO);
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
        assertThat(changes).extracting(StateChange::to).doesNotContain(WAITING_FOR_RETRY);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {60, 30, 20})
    void a_refresh_unanswered_until_the_subscription_expires_ends_in_waiting_for_retry_and_a_new_dialog(int grantedSeconds) {
        Duration granted = Duration.ofSeconds(grantedSeconds);
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        answer(s, last(), 200, granted);
        Duration refreshAt = ViewPolicy.defaults().refreshAfter(granted);
        scheduler.advance(refreshAt);
        assertThat(sent).hasSize(2);
        assertThat(last().dialog()).as("the refresh goes in the same dialog").isEqualTo(1);
        Sent refresh = last();

        scheduler.advance(granted.minus(refreshAt).minusMillis(1));
        assertThat(s.state()).as("still within the granted expiry").isEqualTo(SUBSCRIBED);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(s.state()).as("never SUBSCRIBED past the expiry").isEqualTo(WAITING_FOR_RETRY);
        assertThat(changes.get(changes.size() - 1).reason()).contains("408");

        scheduler.advance(scheduler.nextDelay().orElseThrow());
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        assertThat(last().dialog()).as("a new dialog, a new Call-ID").isNotEqualTo(1);
        answer(s, refresh, 200, granted);
        assertThat(s.state()).as("the late answer to the refresh given up on changes nothing").isEqualTo(SUBSCRIBING);
        answer(s, last(), 200, granted);
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
    }

    @Test
    void a_subscribe_never_answered_fails_after_the_backstop_even_if_the_stack_never_reports_a_timeout() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        scheduler.advance(TargetSubscription.ANSWER_BACKSTOP.minusMillis(1));
        assertThat(s.state()).isEqualTo(SUBSCRIBING);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(s.state()).isEqualTo(WAITING_FOR_RETRY);
    }

    @Test
    void a_refresh_of_a_long_subscription_waits_the_backstop_not_the_expiry() {
        TargetSubscription s = subscribed();
        scheduler.advance(HOUR.minusMinutes(1));
        assertThat(sent).hasSize(2);
        scheduler.advance(TargetSubscription.ANSWER_BACKSTOP.minusMillis(1));
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(s.state()).isEqualTo(WAITING_FOR_RETRY);
    }

    @Test
    void an_answer_in_time_cancels_the_deadline() {
        TargetSubscription s = subscription(ViewMode.PERSISTENT);
        s.start();
        answer(s, last(), 200, HOUR);
        scheduler.advance(TargetSubscription.ANSWER_BACKSTOP.multipliedBy(2));
        assertThat(s.state()).isEqualTo(SUBSCRIBED);
        assertThat(states()).containsExactly(SUBSCRIBING, SUBSCRIBED);
    }
}
