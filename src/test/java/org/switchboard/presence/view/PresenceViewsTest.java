package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/** Views and the platform's registry of them, over a recording SIP edge. */
class PresenceViewsTest {

    private static final Aor BOB = Aor.parse("sip:bob@example.com");
    private static final Aor CAROL = Aor.parse("sip:carol@example.com");
    private static final String PIDF = """
            <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@example.com">
              <tuple id="t"><status><basic>open</basic></status><timestamp>2026-11-21T09:00:00Z</timestamp></tuple>
            </presence>""";

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final PresenceViews views = new PresenceViews(ViewPolicy.defaults(), scheduler, new RefreshPacer(scheduler, clock, 10),
            new PresenceDocuments(65_536), clock, () -> 0.5);
    private final List<String> sent = new ArrayList<>();
    private final List<PresenceNotification> notifications = new ArrayList<>();
    private final List<StateChange> changes = new ArrayList<>();
    private final Map<Aor, Long> lastRequest = new java.util.HashMap<>();

    private RemotePresenceView view(String owner) {
        return views.create(owner, ViewMode.PERSISTENT, new PresenceViewListener() {
            @Override
            public void onNotification(PresenceNotification notification) {
                notifications.add(notification);
            }

            @Override
            public void onStateChanged(StateChange change) {
                changes.add(change);
            }
        }, wire -> (target, dialog, expires, requestId) -> {
            sent.add(owner + " " + target + " dialog " + dialog);
            lastRequest.put(target, requestId);
        });
    }

    /** Adds targets and lets the pacer release their first SUBSCRIBEs (10 per second here). */
    private void add(RemotePresenceView view, List<Aor> targets) {
        view.addTargets(targets);
        scheduler.advance(Duration.ofSeconds(1));
    }

    private static void accept(RemotePresenceView view, Aor target, long requestId) {
        view.wire().onResponse(target, requestId, 200, Optional.of(Duration.ofHours(1)), Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void adding_targets_subscribes_to_each_and_notifications_carry_parsed_updates() {
        RemotePresenceView view = view("monitor");
        add(view, List.of(BOB, CAROL));
        assertThat(sent).containsExactly("monitor sip:bob@example.com dialog 1", "monitor sip:carol@example.com dialog 2");
        accept(view, BOB, lastRequest.get(BOB));
        assertThat(view.state(BOB)).contains(SubscriptionState.SUBSCRIBED);
        assertThat(view.wire().onNotify(BOB, 1, NotifyState.parse("active;expires=3600"), Optional.of(new PresenceBody("application/pidf+xml", PIDF))))
                .isTrue();
        assertThat(notifications).hasSize(1);
        assertThat(notifications.get(0).updates()).hasSize(1);
        assertThat(notifications.get(0).updates().get(0).publishTime().toString()).isEqualTo("2026-11-21T09:00:00Z");
        assertThat(views.countByState()).containsEntry(SubscriptionState.SUBSCRIBED, 1L).containsEntry(SubscriptionState.SUBSCRIBING, 1L);
    }

    @Test
    void adding_many_targets_subscribes_to_them_at_the_paced_rate_not_in_one_burst() {
        RemotePresenceView view = view("monitor");
        List<Aor> many = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(Aor.parse("sip:user" + i + "@example.com"));
        }
        view.addTargets(many);
        scheduler.runDue();
        assertThat(sent).hasSize(1);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(sent).hasSize(11);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(sent).hasSize(100);
    }

    @Test
    void a_hostile_body_is_refused_and_the_subscription_lives_on() {
        RemotePresenceView view = view("monitor");
        add(view, List.of(BOB));
        accept(view, BOB, lastRequest.get(BOB));
        String bomb = """
                <?xml version="1.0"?>
                <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
                <presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:bob@example.com"><note>&lol2;</note></presence>""";
        assertThat(view.wire().onNotify(BOB, 1, NotifyState.parse("active"), Optional.of(new PresenceBody("application/pidf+xml", bomb))))
                .as("answered 200: the subscription goes on").isTrue();
        assertThat(notifications).isEmpty();
        assertThat(view.refusedBodies()).isEqualTo(1);
        assertThat(view.state(BOB)).contains(SubscriptionState.SUBSCRIBED);
        view.wire().onNotify(BOB, 1, NotifyState.parse("active"), Optional.of(new PresenceBody("application/pidf+xml", PIDF)));
        assertThat(notifications).hasSize(1);
    }

    @Test
    void a_notify_for_a_target_not_in_the_view_is_unknown() {
        RemotePresenceView view = view("monitor");
        assertThat(view.wire().onNotify(BOB, 1, NotifyState.parse("active"), Optional.empty())).isFalse();
    }

    @Test
    void forced_refresh_of_one_endpoints_views_leaves_the_others_alone_and_is_paced() {
        RemotePresenceView mine = view("monitor");
        RemotePresenceView theirs = view("other");
        add(mine, List.of(BOB, CAROL));
        add(theirs, List.of(BOB));
        accept(mine, BOB, 1); // each target's first request
        accept(mine, CAROL, 1);
        sent.clear();
        views.refreshOwnedBy("monitor");
        scheduler.runDue();
        assertThat(sent).hasSize(1);
        scheduler.advance(Duration.ofMillis(100));
        assertThat(sent).hasSize(2).allMatch(s -> s.startsWith("monitor "));
    }

    @Test
    void a_periodic_refresh_re_subscribes_every_interval_until_the_view_closes() {
        RemotePresenceView view = view("monitor");
        add(view, List.of(BOB));
        accept(view, BOB, lastRequest.get(BOB));
        view.refreshEvery(Duration.ofMinutes(5));
        sent.clear();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(sent).hasSize(1);
        accept(view, BOB, lastRequest.get(BOB));
        view.close();
        sent.clear();
        scheduler.advance(Duration.ofMinutes(30));
        assertThat(sent).isEmpty();
        assertThat(views.views()).isEmpty();
    }

    @Test
    void closing_a_view_unsubscribes_every_target() {
        RemotePresenceView view = view("monitor");
        add(view, List.of(BOB));
        accept(view, BOB, lastRequest.get(BOB));
        view.close();
        assertThat(view.state(BOB)).isEmpty();
        assertThat(changes).extracting(StateChange::to).contains(SubscriptionState.TERMINATING);
        assertThat(sent).last().isEqualTo("monitor sip:bob@example.com dialog 1");
    }
}
