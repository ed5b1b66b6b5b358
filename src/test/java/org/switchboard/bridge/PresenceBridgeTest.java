package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.switchboard.bridge.SipWatchers.Notice;
import org.switchboard.bridge.SipWatchers.NoticeState;
import org.switchboard.bridge.SipWatchers.Watch;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.OrderedPresenceStore;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.presence.PresenceKey;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.view.NotifyState;
import org.switchboard.presence.view.PresenceBody;
import org.switchboard.presence.view.PresenceViews;
import org.switchboard.presence.view.RefreshPacer;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.SubscriptionState;
import org.switchboard.presence.view.ViewMode;
import org.switchboard.presence.view.ViewPolicy;
import org.switchboard.subscription.DialogData;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;
import org.switchboard.subscription.SubscriptionRecord.RecordState;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.subscription.SubscriptionRepository;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/**
 * The bridge's rules (PRODUCT.md §F) over real presence views, real persistent subscriptions, a real ordered presence
 * store, and recording fakes of the SIP edge and of the XMPP component; time is a manual clock.
 */
class PresenceBridgeTest {

    private static final AddressMapping MAPPING = new AddressMapping("sip.xmpp.example.test", "xmpp.example.test", "example.com",
            "xmpp.example.com");
    private static final int MAX_DOCUMENT = 65_536;
    private static final Duration COOLDOWN = Duration.ofMinutes(5);
    private static final Duration MAX_INCOMING = Duration.ofHours(1);
    private static final Duration GRANTED = Duration.ofMinutes(10);

    // XMPP users following SIP users
    private static final BareJid ALICE = BareJid.parse("alice@xmpp.example.test");
    private static final BareJid ERIN = BareJid.parse("erin@xmpp.example.test");
    private static final Aor ALICE_SIP = Aor.parse("sip:alice@xmpp.example.com");
    private static final Aor ERIN_SIP = Aor.parse("sip:erin@xmpp.example.com");
    private static final Aor BOB = Aor.parse("sip:bob@example.com");
    private static final BareJid BOB_XMPP = BareJid.parse("bob@sip.xmpp.example.test");

    // SIP users watching XMPP users
    private static final Aor CAROL = Aor.parse("sip:carol@example.com");
    private static final BareJid CAROL_XMPP = BareJid.parse("carol@sip.xmpp.example.test");
    private static final BareJid DAVE = BareJid.parse("dave@xmpp.example.test");
    private static final Watch CAROL_WATCHES_DAVE = new Watch(CAROL, DAVE);

    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final PresenceViews views = new PresenceViews(ViewPolicy.defaults(), scheduler, new RefreshPacer(scheduler, clock, 10, false),
            new PresenceDocuments(MAX_DOCUMENT), clock, () -> 0.5);
    private final MemorySubscriptionRepository db = new MemorySubscriptionRepository();
    private final PersistentSubscriptions records = new PersistentSubscriptions(Optional.of(db), scheduler, clock, 1, Duration.ZERO,
            Duration.ofSeconds(10));
    private final OrderedPresenceStore store = new OrderedPresenceStore(new MemoryPresenceRepository(), new PresenceDocuments(MAX_DOCUMENT),
            "pool-a");
    private final RecordingXmpp xmpp = new RecordingXmpp();
    private final RecordingWatchers watchers = new RecordingWatchers();
    private final RecordingEdge edge = new RecordingEdge();
    private final PresenceBridge bridge = bridge(COOLDOWN);

    private PresenceBridge bridge(Duration cooldown) {
        SipFollowing following = (subscriber, listener) -> views.create("xmpp-bridge", ViewMode.PERSISTENT, listener,
                wire -> (target, dialog, expires, requestId) -> edge.sent.add(new Subscribe(subscriber, target, dialog, expires, requestId, wire)));
        return new PresenceBridge(MAPPING, records, store, xmpp, watchers, following, scheduler, clock, new SerialOnThisThread(), cooldown,
                MAX_INCOMING, MAX_DOCUMENT);
    }

    // ---------------------------------------------------------------- XMPP users following SIP users

    @Test
    void an_xmpp_subscribe_opens_a_sip_subscription_from_the_xmpp_users_sip_address_and_its_200_is_subscribed() {
        bridge.xmppSubscribe(ALICE, BOB_XMPP);

        assertThat(records.all()).singleElement().satisfies(r -> {
            assertThat(r.direction()).isEqualTo(Direction.OUTGOING_SIP);
            assertThat(r.sipAor()).isEqualTo(BOB);
            assertThat(r.xmppJid()).isEqualTo("alice@xmpp.example.test");
            assertThat(r.state()).isEqualTo(RecordState.PENDING);
        });
        scheduler.runDue();
        assertThat(edge.sent).as("nothing goes out before SIP may be sent").isEmpty();

        views.open();
        scheduler.runDue();
        assertThat(edge.sent).singleElement().satisfies(s -> {
            assertThat(s.subscriber()).isEqualTo(ALICE_SIP);
            assertThat(s.target()).isEqualTo(BOB);
            assertThat(s.expires()).isPositive();
        });
        assertThat(xmpp.stanzas).isEmpty();

        edge.accept(edge.last());

        assertThat(records.all()).singleElement().extracting(SubscriptionRecord::state).isEqualTo(RecordState.ACTIVE);
        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribed(BOB_XMPP, ALICE));
    }

    @Test
    void a_notify_reaches_the_xmpp_user_as_presence() {
        Subscribe subscription = following(ALICE);

        edge.notify(subscription, pidf(XmppPresence.of(XmppShow.AWAY, "lunch"), T0));

        assertThat(xmpp.stanzas).containsExactly(Stanza.presence(BOB_XMPP, ALICE, XmppPresence.of(XmppShow.AWAY, "lunch")));
        assertThat(bridge.counts().forwardedToXmpp()).isEqualTo(1);
    }

    @Test
    void a_newer_notify_is_forwarded() {
        Subscribe subscription = following(ALICE);
        edge.notify(subscription, pidf(XmppPresence.of(XmppShow.AWAY, "lunch"), T0));

        edge.notify(subscription, pidf(XmppPresence.of(XmppShow.DND, "meeting"), T0.plusSeconds(60)));

        assertThat(xmpp.stanzas).containsExactly(Stanza.presence(BOB_XMPP, ALICE, XmppPresence.of(XmppShow.AWAY, "lunch")),
                Stanza.presence(BOB_XMPP, ALICE, XmppPresence.of(XmppShow.DND, "meeting")));
    }

    @Test
    void an_older_notify_than_one_forwarded_is_dropped_and_counted() {
        Subscribe subscription = following(ALICE);
        edge.notify(subscription, pidf(XmppPresence.of(XmppShow.AWAY, "lunch"), T0.plusSeconds(60)));
        xmpp.stanzas.clear();

        edge.notify(subscription, pidf(XmppPresence.of(XmppShow.ONLINE), T0));

        assertThat(xmpp.stanzas).isEmpty();
        assertThat(bridge.counts().droppedOutOfOrder()).isEqualTo(1);
    }

    @Test
    void the_same_document_again_is_not_forwarded_again() {
        Subscribe subscription = following(ALICE);
        String document = pidf(XmppPresence.of(XmppShow.AWAY, "lunch"), T0);
        edge.notify(subscription, document);
        xmpp.stanzas.clear();

        edge.notify(subscription, document);

        assertThat(xmpp.stanzas).isEmpty();
        assertThat(bridge.counts().droppedOutOfOrder()).isEqualTo(1);
        assertThat(bridge.counts().forwardedToXmpp()).isEqualTo(1);
    }

    @Test
    void two_xmpp_users_following_one_sip_user_each_get_its_presence_though_the_store_has_seen_it_once() {
        Subscribe alices = following(ALICE);
        Subscribe erins = following(ERIN);
        assertThat(erins.subscriber()).isEqualTo(ERIN_SIP);
        String document = pidf(XmppPresence.of(XmppShow.XA, "holiday"), T0);

        edge.notify(alices, document);
        edge.notify(erins, document);

        assertThat(xmpp.stanzas).containsExactly(Stanza.presence(BOB_XMPP, ALICE, XmppPresence.of(XmppShow.XA, "holiday")),
                Stanza.presence(BOB_XMPP, ERIN, XmppPresence.of(XmppShow.XA, "holiday")));
        assertThat(store.counts().duplicates()).as("the second was a duplicate to the store").isEqualTo(1);
    }

    @Test
    void a_new_follower_whose_first_notify_is_older_than_the_store_gets_the_stores_newest_presence() {
        Subscribe alices = following(ALICE);
        edge.notify(alices, pidf(XmppPresence.of(XmppShow.DND, "call"), T0.plusSeconds(60)));
        Subscribe erins = following(ERIN);

        edge.notify(erins, pidf(XmppPresence.of(XmppShow.AWAY, "older"), T0));

        assertThat(xmpp.stanzas).as("since erin started following").containsExactly(
                Stanza.presence(BOB_XMPP, ERIN, XmppPresence.of(XmppShow.DND, "call")));
    }

    @Test
    void a_final_rejection_closes_the_xmpp_users_view_once_it_has_no_target_left() {
        Subscribe subscription = following(ALICE);
        assertThat(views.views()).hasSize(1);

        subscription.wire().onNotify(BOB, subscription.dialog(), NotifyState.parse("terminated;reason=rejected"), Optional.empty());

        assertThat(views.views()).isEmpty();
    }

    @Test
    void an_xmpp_unsubscribe_ends_the_sip_subscription_forgets_the_record_and_shows_the_sip_user_unavailable() {
        Subscribe subscription = following(ALICE);

        bridge.xmppUnsubscribe(ALICE, BOB_XMPP);
        scheduler.runDue();

        assertThat(edge.last()).satisfies(s -> {
            assertThat(s.target()).isEqualTo(BOB);
            assertThat(s.dialog()).as("inside the dialog").isEqualTo(subscription.dialog());
            assertThat(s.expires()).isZero();
        });
        assertThat(records.all()).isEmpty();
        assertThat(xmpp.stanzas).containsExactly(Stanza.presence(BOB_XMPP, ALICE, XmppPresence.offline()));
    }

    @Test
    void a_notify_terminated_rejected_is_unsubscribed_to_the_xmpp_user_and_forgets_the_record() {
        Subscribe subscription = following(ALICE);

        subscription.wire().onNotify(BOB, subscription.dialog(), NotifyState.parse("terminated;reason=rejected"), Optional.empty());

        assertThat(xmpp.stanzas).containsExactly(Stanza.unsubscribed(BOB_XMPP, ALICE));
        assertThat(records.all()).isEmpty();
    }

    @Test
    void a_403_to_the_subscribe_is_unsubscribed_to_the_xmpp_user_and_forgets_the_record() {
        bridge.xmppSubscribe(ALICE, BOB_XMPP);
        views.open();
        scheduler.runDue();

        edge.answer(edge.last(), 403);

        assertThat(xmpp.stanzas).containsExactly(Stanza.unsubscribed(BOB_XMPP, ALICE));
        assertThat(records.all()).isEmpty();
    }

    // ---------------------------------------------------------------- SIP users watching XMPP users

    @Test
    void a_sip_subscribe_to_an_xmpp_user_is_pending_and_asked_over_xmpp() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);

        assertThat(records.all()).singleElement().satisfies(r -> {
            assertThat(r.direction()).isEqualTo(Direction.INCOMING_SIP);
            assertThat(r.sipAor()).isEqualTo(CAROL);
            assertThat(r.xmppJid()).isEqualTo("dave@xmpp.example.test");
            assertThat(r.state()).isEqualTo(RecordState.PENDING);
        });
        assertThat(watchers.notices(CAROL_WATCHES_DAVE)).singleElement().extracting(Notice::state).isEqualTo(NoticeState.PENDING);
        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribe(CAROL_XMPP, DAVE));
    }

    @Test
    void approval_over_xmpp_makes_the_sip_subscription_active_with_a_presence_document() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);

        bridge.xmppSubscribed(DAVE, CAROL_XMPP);

        assertThat(records.all()).singleElement().extracting(SubscriptionRecord::state).isEqualTo(RecordState.ACTIVE);
        Notice notice = watchers.last(CAROL_WATCHES_DAVE);
        assertThat(notice.state()).isEqualTo(NoticeState.ACTIVE);
        assertThat(notice.remaining()).isEqualTo(GRANTED);
        assertThat(notice.pidf()).isPresent();
        assertThat(PresenceMapping.toXmpp(PresenceDocuments.PIDF, notice.pidf().get(), MAX_DOCUMENT)).isEqualTo(XmppPresence.offline());
    }

    @Test
    void an_unavailable_presence_before_approval_leaves_the_sip_subscription_pending() {
        watchers.live.add(CAROL_WATCHES_DAVE);
        assertThat(bridge.admit(CAROL_WATCHES_DAVE, GRANTED)).isInstanceOf(PresenceBridge.Admission.Accepted.class);
        bridge.sipSubscribed(CAROL_WATCHES_DAVE, GRANTED, DialogData.none());

        bridge.xmppPresence(DAVE, "phone", CAROL_XMPP, XmppPresence.offline());

        assertThat(records.all()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo(RecordState.PENDING));
        assertThat(watchers.notices.get(CAROL_WATCHES_DAVE)).extracting(Notice::state).containsExactly(NoticeState.PENDING);
    }

    @Test
    void xmpp_presence_reaches_the_sip_watcher_as_a_pidf_that_maps_back_to_it() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);

        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.DND, "meeting"));

        Notice notice = watchers.last(CAROL_WATCHES_DAVE);
        assertThat(notice.state()).isEqualTo(NoticeState.ACTIVE);
        assertThat(PresenceMapping.toXmpp(PresenceDocuments.PIDF, notice.pidf().orElseThrow(), MAX_DOCUMENT))
                .isEqualTo(XmppPresence.of(XmppShow.DND, "meeting"));
        assertThat(bridge.counts().forwardedToSip()).isEqualTo(2);
    }

    @Test
    void a_sip_unsubscribe_terminates_the_dialog_and_forgets_the_record_without_telling_xmpp() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        xmpp.stanzas.clear();

        subscribe(CAROL_WATCHES_DAVE, Duration.ZERO);

        assertThat(watchers.last(CAROL_WATCHES_DAVE).state()).isEqualTo(NoticeState.TERMINATED);
        assertThat(records.all()).isEmpty();
        assertThat(xmpp.stanzas).as("no unsubscribe: the XMPP relationship stays").isEmpty();
    }

    @Test
    void a_sip_subscription_not_refreshed_times_out_at_its_granted_expiry_without_telling_xmpp() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        xmpp.stanzas.clear();

        scheduler.advance(GRANTED.minusSeconds(1));
        assertThat(watchers.last(CAROL_WATCHES_DAVE).state()).isEqualTo(NoticeState.PENDING);
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(watchers.last(CAROL_WATCHES_DAVE)).satisfies(n -> {
            assertThat(n.state()).isEqualTo(NoticeState.TERMINATED);
            assertThat(n.reason()).isEqualTo("timeout");
        });
        assertThat(records.all()).isEmpty();
        assertThat(xmpp.stanzas).isEmpty();
    }

    @Test
    void a_refresh_before_expiry_postpones_the_timeout() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        scheduler.advance(GRANTED.minusMinutes(1));

        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        scheduler.advance(Duration.ofMinutes(2));

        assertThat(watchers.notices(CAROL_WATCHES_DAVE)).extracting(Notice::state).doesNotContain(NoticeState.TERMINATED);
        assertThat(records.all()).hasSize(1);
        scheduler.advance(GRANTED);
        assertThat(watchers.last(CAROL_WATCHES_DAVE).reason()).isEqualTo("timeout");
        assertThat(records.all()).isEmpty();
    }

    @Test
    void a_refusal_over_xmpp_terminates_the_sip_subscription_as_rejected() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);

        bridge.xmppUnsubscribed(DAVE, CAROL_XMPP);

        assertThat(watchers.last(CAROL_WATCHES_DAVE)).satisfies(n -> {
            assertThat(n.state()).isEqualTo(NoticeState.TERMINATED);
            assertThat(n.reason()).isEqualTo("rejected");
        });
        assertThat(records.all()).isEmpty();
        scheduler.advance(GRANTED.multipliedBy(2));
        assertThat(watchers.notices(CAROL_WATCHES_DAVE)).as("no timeout after the end").filteredOn(n -> n.reason().equals("timeout"))
                .isEmpty();
    }

    @Test
    void the_presence_of_xmpp_users_no_sip_dialog_watches_any_more_is_forgotten() {
        for (int i = 0; i < 10_000; i++) {
            Watch watch = new Watch(CAROL, BareJid.parse("user" + i + "@xmpp.example.test"));
            subscribe(watch, GRANTED);
            bridge.xmppSubscribed(watch.xmppUser(), CAROL_XMPP);
            bridge.xmppPresence(watch.xmppUser(), "res", CAROL_XMPP, XmppPresence.of(XmppShow.ONLINE));
        }
        assertThat(bridge.xmppUsersWithPresence()).isEqualTo(10_000);

        for (int i = 0; i < 10_000; i++) {
            subscribe(new Watch(CAROL, BareJid.parse("user" + i + "@xmpp.example.test")), i % 2 == 0 ? Duration.ZERO : GRANTED);
        }
        assertThat(bridge.xmppUsersWithPresence()).as("the odd ones refreshed, the even ones ended").isEqualTo(5_000);
        scheduler.advance(GRANTED);

        assertThat(bridge.xmppUsersWithPresence()).as("all timed out").isZero();
        // Their servers keep sending presence while the XMPP subscription stays: it is not kept.
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.AWAY));
        assertThat(bridge.xmppUsersWithPresence()).isZero();
    }

    @Test
    void an_xmpp_user_still_watched_by_another_sip_dialog_keeps_its_presence() {
        Watch erinWatchesDave = new Watch(Aor.parse("sip:erin@example.com"), DAVE);
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        subscribe(erinWatchesDave, GRANTED);
        bridge.xmppSubscribed(DAVE, BareJid.parse("erin@sip.xmpp.example.test"));
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.DND, "meeting"));

        subscribe(CAROL_WATCHES_DAVE, Duration.ZERO);
        subscribe(erinWatchesDave, GRANTED);

        assertThat(bridge.xmppUsersWithPresence()).isEqualTo(1);
        assertThat(PresenceMapping.toXmpp(PresenceDocuments.PIDF, watchers.last(erinWatchesDave).pidf().orElseThrow(), MAX_DOCUMENT))
                .isEqualTo(XmppPresence.of(XmppShow.DND, "meeting"));
    }

    @Test
    void a_sip_user_watching_again_an_xmpp_user_whose_presence_was_forgotten_probes_for_it_once_approved() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.DND, "meeting"));
        subscribe(CAROL_WATCHES_DAVE, Duration.ZERO);
        xmpp.stanzas.clear();

        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP); // its server answers a subscribe it approved already, not always with presence

        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribe(CAROL_XMPP, DAVE), Stanza.probe(CAROL_XMPP, DAVE));
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.DND, "meeting"));
        assertThat(PresenceMapping.toXmpp(PresenceDocuments.PIDF, watchers.last(CAROL_WATCHES_DAVE).pidf().orElseThrow(), MAX_DOCUMENT))
                .isEqualTo(XmppPresence.of(XmppShow.DND, "meeting"));
    }

    @Test
    void re_subscribes_after_a_refusal_are_refused_during_the_cooldown_and_accepted_after_it() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppUnsubscribed(DAVE, CAROL_XMPP);

        clock.advance(COOLDOWN.minusSeconds(1));
        assertThat(bridge.admit(CAROL_WATCHES_DAVE, GRANTED)).isInstanceOfSatisfying(PresenceBridge.Admission.Refused.class,
                refused -> assertThat(refused.status()).isEqualTo(403));

        clock.advance(Duration.ofSeconds(1));
        assertThat(bridge.admit(CAROL_WATCHES_DAVE, GRANTED)).isEqualTo(new PresenceBridge.Admission.Accepted(GRANTED));
    }

    @Test
    void the_cooldown_is_per_watcher_and_xmpp_user() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppUnsubscribed(DAVE, CAROL_XMPP);

        assertThat(bridge.admit(new Watch(CAROL, ALICE), GRANTED)).isInstanceOf(PresenceBridge.Admission.Accepted.class);
        assertThat(bridge.admit(new Watch(BOB, DAVE), GRANTED)).isInstanceOf(PresenceBridge.Admission.Accepted.class);
    }

    @Test
    void a_zero_cooldown_never_refuses() {
        PresenceBridge noCooldown = bridge(Duration.ZERO);
        noCooldown.sipSubscribed(CAROL_WATCHES_DAVE, GRANTED, DialogData.none());
        noCooldown.xmppUnsubscribed(DAVE, CAROL_XMPP);

        assertThat(noCooldown.admit(CAROL_WATCHES_DAVE, GRANTED)).isEqualTo(new PresenceBridge.Admission.Accepted(GRANTED));
    }

    @Test
    void an_unsubscribe_during_the_cooldown_is_accepted() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppUnsubscribed(DAVE, CAROL_XMPP);

        assertThat(bridge.admit(CAROL_WATCHES_DAVE, Duration.ZERO)).isEqualTo(new PresenceBridge.Admission.Accepted(Duration.ZERO));
    }

    @Test
    void an_expires_above_the_incoming_maximum_is_granted_the_maximum() {
        assertThat(bridge.admit(CAROL_WATCHES_DAVE, MAX_INCOMING.multipliedBy(24))).isEqualTo(new PresenceBridge.Admission.Accepted(MAX_INCOMING));
        assertThat(bridge.admit(CAROL_WATCHES_DAVE, GRANTED)).as("below it, what was asked").isEqualTo(new PresenceBridge.Admission.Accepted(GRANTED));
    }

    // ---------------------------------------------------------------- the component, recovery, strangers

    @Test
    void a_component_connection_replays_from_the_records_subscribe_for_pending_incoming_subscribed_for_active_outgoing_probe_for_active_incoming() {
        BareJid frank = BareJid.parse("frank@xmpp.example.test");
        records.put(record(Direction.INCOMING_SIP, CAROL, DAVE, RecordState.ACTIVE));
        records.put(record(Direction.INCOMING_SIP, CAROL, frank, RecordState.PENDING));
        records.put(record(Direction.OUTGOING_SIP, BOB, ALICE, RecordState.ACTIVE));
        records.put(record(Direction.OUTGOING_SIP, BOB, ERIN, RecordState.PENDING));

        bridge.xmppConnected();

        assertThat(xmpp.stanzas).as("nothing for erin: her SIP subscription is not accepted yet").containsExactlyInAnyOrder(
                Stanza.probe(CAROL_XMPP, DAVE), Stanza.subscribe(CAROL_XMPP, frank), Stanza.subscribed(BOB_XMPP, ALICE));
    }

    @Test
    void a_sip_subscribe_while_xmpp_is_down_is_asked_over_xmpp_again_on_every_connection_until_approved() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED); // its subscribe went nowhere
        xmpp.stanzas.clear();

        bridge.xmppConnected();
        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribe(CAROL_XMPP, DAVE));

        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        assertThat(watchers.last(CAROL_WATCHES_DAVE).state()).isEqualTo(NoticeState.ACTIVE);
        xmpp.stanzas.clear();
        bridge.xmppConnected();
        assertThat(xmpp.stanzas).as("approved: its presence is asked for instead").containsExactly(Stanza.probe(CAROL_XMPP, DAVE));
    }

    @Test
    void an_approval_while_xmpp_is_down_is_sent_again_with_the_last_presence_on_connection() {
        Subscribe subscription = following(ALICE); // its subscribed went nowhere
        edge.notify(subscription, pidf(XmppPresence.of(XmppShow.AWAY, "lunch"), T0)); // nor did this
        xmpp.stanzas.clear();

        bridge.xmppConnected();

        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribed(BOB_XMPP, ALICE),
                Stanza.presence(BOB_XMPP, ALICE, XmppPresence.of(XmppShow.AWAY, "lunch")));
    }

    @Test
    void an_approval_with_no_presence_yet_is_sent_again_alone() {
        following(ALICE);

        bridge.xmppConnected();

        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribed(BOB_XMPP, ALICE));
    }

    @Test
    void a_sip_refresh_of_a_pending_subscription_asks_over_xmpp_again() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        xmpp.stanzas.clear();

        subscribe(CAROL_WATCHES_DAVE, GRANTED);

        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribe(CAROL_XMPP, DAVE));
        assertThat(watchers.last(CAROL_WATCHES_DAVE).state()).isEqualTo(NoticeState.PENDING);
        assertThat(records.all()).singleElement().extracting(SubscriptionRecord::state).isEqualTo(RecordState.PENDING);
    }

    @Test
    void a_sip_refresh_of_an_active_subscription_does_not_ask_again() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.ONLINE));
        xmpp.stanzas.clear();

        subscribe(CAROL_WATCHES_DAVE, GRANTED);

        assertThat(xmpp.stanzas).isEmpty();
    }

    @Test
    void a_second_subscribed_changes_nothing_and_sends_nothing() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        SubscriptionRecord approved = records.all().get(0);
        List<Notice> before = List.copyOf(watchers.notices(CAROL_WATCHES_DAVE));
        xmpp.stanzas.clear();

        bridge.xmppSubscribed(DAVE, CAROL_XMPP);

        assertThat(records.all()).containsExactly(approved);
        assertThat(watchers.notices(CAROL_WATCHES_DAVE)).isEqualTo(before);
        assertThat(xmpp.stanzas).isEmpty();
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.DND, "call"));
        assertThat(PresenceMapping.toXmpp(PresenceDocuments.PIDF, watchers.last(CAROL_WATCHES_DAVE).pidf().orElseThrow(), MAX_DOCUMENT))
                .as("presence still flows").isEqualTo(XmppPresence.of(XmppShow.DND, "call"));
    }

    @Test
    void recovery_asks_again_for_a_pending_incoming_record() {
        db.upsert(record(Direction.INCOMING_SIP, CAROL, DAVE, RecordState.PENDING));
        Recovery recovery = recovery();
        bridge.useRecovery(recovery);

        recovery.start();
        scheduler.runDue();

        assertThat(xmpp.stanzas).containsExactly(Stanza.subscribe(CAROL_XMPP, DAVE));
    }

    @Test
    void recovery_subscribes_again_for_outgoing_records_from_the_xmpp_users_sip_address_sends_their_approval_and_probes_for_active_incoming_ones() {
        db.upsert(record(Direction.OUTGOING_SIP, BOB, ALICE, RecordState.ACTIVE));
        db.upsert(record(Direction.INCOMING_SIP, CAROL, DAVE, RecordState.ACTIVE));
        Recovery recovery = recovery();
        bridge.useRecovery(recovery);
        views.open();

        recovery.start();
        scheduler.runDue();

        assertThat(edge.sent).singleElement().satisfies(s -> {
            assertThat(s.subscriber()).isEqualTo(ALICE_SIP);
            assertThat(s.target()).isEqualTo(BOB);
            assertThat(s.expires()).isPositive();
        });
        assertThat(xmpp.stanzas).as("the approval may have been dropped before the restart").containsExactlyInAnyOrder(
                Stanza.probe(CAROL_XMPP, DAVE), Stanza.subscribed(BOB_XMPP, ALICE));
        assertThat(recovery.progress().finished()).isTrue();
        assertThat(records.all()).hasSize(2).allMatch(r -> r.state() == RecordState.ACTIVE);

        edge.notify(edge.last(), pidf(XmppPresence.of(XmppShow.CHAT), T0));
        assertThat(xmpp.stanzas).as("its presence flows again").contains(Stanza.presence(BOB_XMPP, ALICE, XmppPresence.of(XmppShow.CHAT)));
    }

    @Test
    void a_recovered_incoming_record_whose_watcher_never_subscribes_again_is_forgotten_after_its_old_expiry_and_a_grace() {
        db.upsert(incoming(CAROL, DAVE, clock.instant().plus(GRANTED)));
        Recovery recovery = recovery();
        bridge.useRecovery(recovery);
        recovery.start();
        scheduler.runDue();
        assertThat(records.all()).hasSize(1);

        scheduler.advance(GRANTED);
        assertThat(records.all()).as("kept until the grace period is over too").hasSize(1);
        scheduler.advance(PresenceBridge.RESUBSCRIBE_GRACE);

        assertThat(records.all()).isEmpty();
        assertThat(xmpp.stanzas).as("XMPP is not told").containsExactly(Stanza.probe(CAROL_XMPP, DAVE));
    }

    @Test
    void a_recovered_incoming_record_whose_watcher_subscribes_again_is_kept() {
        db.upsert(incoming(CAROL, DAVE, clock.instant().plus(GRANTED)));
        Recovery recovery = recovery();
        bridge.useRecovery(recovery);
        recovery.start();
        scheduler.runDue();
        watchers.live.add(CAROL_WATCHES_DAVE);

        bridge.sipSubscribed(CAROL_WATCHES_DAVE, MAX_INCOMING, DialogData.none());
        scheduler.advance(GRANTED.plus(PresenceBridge.RESUBSCRIBE_GRACE));

        assertThat(records.all()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo(RecordState.ACTIVE));
    }

    @Test
    void an_unsubscribe_in_a_dialog_from_before_the_restart_forgets_the_recovered_record_without_telling_xmpp() {
        db.upsert(incoming(CAROL, DAVE, clock.instant().plus(GRANTED)));
        Recovery recovery = recovery();
        bridge.useRecovery(recovery);
        recovery.start();
        scheduler.runDue();
        xmpp.stanzas.clear();

        bridge.sipDialogUnknown(CAROL_WATCHES_DAVE, true);
        scheduler.runDue();

        assertThat(records.all()).isEmpty();
        assertThat(db.rows()).isEmpty();
        assertThat(xmpp.stanzas).as("no unsubscribe: the XMPP relationship stays").isEmpty();
    }

    @Test
    void a_refresh_in_a_dialog_from_before_the_restart_leaves_the_recovered_record_for_the_new_subscribe() {
        db.upsert(incoming(CAROL, DAVE, clock.instant().plus(GRANTED)));
        Recovery recovery = recovery();
        bridge.useRecovery(recovery);
        recovery.start();
        scheduler.runDue();

        bridge.sipDialogUnknown(CAROL_WATCHES_DAVE, false);
        watchers.live.add(CAROL_WATCHES_DAVE);
        bridge.sipSubscribed(CAROL_WATCHES_DAVE, MAX_INCOMING, DialogData.none());
        scheduler.advance(GRANTED.plus(PresenceBridge.RESUBSCRIBE_GRACE));

        assertThat(records.all()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo(RecordState.ACTIVE));
    }

    @Test
    void an_unsubscribe_in_an_old_dialog_leaves_the_watchers_live_subscription_alone() {
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);

        bridge.sipDialogUnknown(CAROL_WATCHES_DAVE, true);

        assertThat(records.all()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo(RecordState.ACTIVE));
        assertThat(watchers.last(CAROL_WATCHES_DAVE).state()).isEqualTo(NoticeState.ACTIVE);
    }

    private SubscriptionRecord incoming(Aor sip, BareJid jid, Instant expiresAt) {
        DialogData dialog = new DialogData("call", "local", "remote", 0, 1, java.util.List.of(), "sip:carol@127.0.0.1", Optional.of(expiresAt));
        return new SubscriptionRecord("INCOMING-" + sip + "-" + jid, Direction.INCOMING_SIP, sip, jid.toString(), RecordState.ACTIVE,
                clock.instant().minusSeconds(3600), Optional.empty(), dialog, 1);
    }

    @Test
    void an_xmpp_unsubscribe_for_a_record_not_yet_recovered_recovers_it_once_then_ends_it_and_subscribes_nothing() {
        SubscriptionRecord stored = record(Direction.OUTGOING_SIP, BOB, ALICE, RecordState.ACTIVE);
        db.upsert(stored);
        List<String> recovered = new ArrayList<>();
        Recovery recovery = new Recovery(db, records, Map.of(Direction.OUTGOING_SIP, r -> {
            recovered.add(r.id());
            return bridge.recoverOutgoing(r);
        }, Direction.INCOMING_SIP, bridge::recoverIncoming), 10, Duration.ofSeconds(1), scheduler, clock);
        bridge.useRecovery(recovery);
        views.open();

        bridge.xmppUnsubscribe(ALICE, BOB_XMPP);
        recovery.start();
        scheduler.advance(Duration.ofSeconds(5));

        assertThat(recovered).as("recovered on demand, and the batches skip it").containsExactly(stored.id());
        assertThat(records.all()).isEmpty();
        assertThat(db.rows()).isEmpty();
        assertThat(edge.sent).as("no SIP subscription outlives the unsubscribe").allMatch(s -> s.expires().isZero());
        assertThat(views.countByState()).doesNotContainKeys(SubscriptionState.SUBSCRIBING, SubscriptionState.SUBSCRIBED);
        assertThat(xmpp.stanzas).containsExactly(Stanza.presence(BOB_XMPP, ALICE, XmppPresence.offline()));
    }

    // ---------------------------------------------------------------- in a pool: the bridge moves to another member

    @Test
    void a_bridge_handed_over_tells_its_sip_watchers_to_subscribe_again_ends_its_sip_subscriptions_and_keeps_every_record() {
        Subscribe alices = following(ALICE);
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        records.flushNow();
        int subscribesBefore = edge.sent.size();

        bridge.retire(true);
        records.forgetAll();
        scheduler.runDue();

        Notice last = watchers.last(CAROL_WATCHES_DAVE);
        assertThat(last.state()).isEqualTo(NoticeState.TERMINATED);
        assertThat(last.reason()).isEqualTo("deactivated");
        assertThat(edge.sent).as("an un-SUBSCRIBE for bob").hasSize(subscribesBefore + 1);
        assertThat(edge.last().expires()).isZero();
        assertThat(db.rows.values()).as("the next owner recovers both").extracting(SubscriptionRecord::direction)
                .containsExactlyInAnyOrder(Direction.OUTGOING_SIP, Direction.INCOMING_SIP);
        assertThat(records.all()).isEmpty();

        xmpp.stanzas.clear();
        edge.notify(alices, pidf(XmppPresence.of(XmppShow.AWAY, "late"), T0));
        bridge.xmppPresence(DAVE, "res", CAROL_XMPP, XmppPresence.of(XmppShow.DND, "late"));
        assertThat(xmpp.stanzas).as("a retired bridge forwards nothing").isEmpty();
        assertThat(watchers.notices(CAROL_WATCHES_DAVE)).last().isEqualTo(last);
    }

    @Test
    void a_bridge_whose_lease_lapsed_stops_without_a_word_on_the_wire() {
        following(ALICE);
        subscribe(CAROL_WATCHES_DAVE, GRANTED);
        bridge.xmppSubscribed(DAVE, CAROL_XMPP);
        records.flushNow();
        int subscribesBefore = edge.sent.size();
        int noticesBefore = watchers.notices(CAROL_WATCHES_DAVE).size();
        xmpp.stanzas.clear();

        bridge.retire(false);
        records.forgetAll();
        scheduler.advance(GRANTED.plusHours(1));

        assertThat(edge.sent).as("no un-SUBSCRIBE, no refresh").hasSize(subscribesBefore);
        assertThat(watchers.notices(CAROL_WATCHES_DAVE)).as("no NOTIFY, not even at the old expiry").hasSize(noticesBefore);
        assertThat(db.rows).hasSize(2);
        assertThat(xmpp.stanzas).isEmpty();
    }

    @Test
    void stanzas_between_strangers_are_ignored() {
        BareJid mallory = BareJid.parse("mallory@elsewhere.example.test");
        BareJid bobElsewhere = BareJid.parse("bob@elsewhere.example.test");
        views.open();

        bridge.xmppSubscribe(mallory, BOB_XMPP);
        bridge.xmppSubscribe(ALICE, bobElsewhere);
        bridge.xmppSubscribe(ALICE, ALICE);
        bridge.xmppProbe(mallory, BOB_XMPP);
        bridge.xmppSubscribed(mallory, CAROL_XMPP);
        bridge.xmppUnsubscribed(DAVE, bobElsewhere);
        bridge.xmppPresence(mallory, "res", CAROL_XMPP, XmppPresence.of(XmppShow.ONLINE));
        bridge.xmppUnsubscribe(mallory, BOB_XMPP);
        scheduler.runDue();

        assertThat(records.all()).isEmpty();
        assertThat(edge.sent).isEmpty();
        assertThat(xmpp.stanzas).isEmpty();
        assertThat(watchers.notices).isEmpty();
    }

    @Test
    void an_xmpp_user_with_no_sip_address_is_ignored_and_leaves_no_record() {
        BareJid hash = BareJid.parse("a#b@xmpp.example.test"); // a valid XMPP local part, no valid SIP user part
        views.open();

        bridge.xmppSubscribe(hash, BOB_XMPP);
        scheduler.runDue();

        assertThat(records.all()).isEmpty();
        assertThat(db.rows()).isEmpty();
        assertThat(edge.sent).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** {@code who} follows BOB, its SUBSCRIBE accepted; the stanzas so far forgotten. */
    private Subscribe following(BareJid who) {
        bridge.xmppSubscribe(who, BOB_XMPP);
        views.open();
        scheduler.runDue();
        Subscribe subscribe = edge.last();
        edge.accept(subscribe);
        assertThat(xmpp.stanzas).contains(Stanza.subscribed(BOB_XMPP, who));
        xmpp.stanzas.clear();
        return subscribe;
    }

    /** A SUBSCRIBE from the SIP side: admitted, its dialog live, then handed to the bridge as the edge does. */
    private void subscribe(Watch watch, Duration expires) {
        PresenceBridge.Admission admission = bridge.admit(watch, expires);
        assertThat(admission).isInstanceOf(PresenceBridge.Admission.Accepted.class);
        Duration granted = ((PresenceBridge.Admission.Accepted) admission).expires();
        if (!granted.isZero()) {
            watchers.live.add(watch);
        }
        bridge.sipSubscribed(watch, granted, DialogData.none());
    }

    private static String pidf(XmppPresence presence, Instant published) {
        return PresenceMapping.toPidf(BOB, presence, published);
    }

    private SubscriptionRecord record(Direction direction, Aor sip, BareJid jid, RecordState state) {
        return new SubscriptionRecord(direction + "-" + sip + "-" + jid, direction, sip, jid.toString(), state, clock.instant().minusSeconds(3600),
                Optional.empty(), DialogData.none(), 1);
    }

    private Recovery recovery() {
        return new Recovery(db, records, Map.of(Direction.OUTGOING_SIP, bridge::recoverOutgoing, Direction.INCOMING_SIP,
                bridge::recoverIncoming), 10, Duration.ofSeconds(1), scheduler, clock);
    }

    /**
     * The bridge's serial executor on the test's thread: a task runs at once, or, when handed over by a task that is
     * running, right after that task, as on the single thread the bridge really runs on.
     */
    private static final class SerialOnThisThread implements Executor {
        private final Queue<Runnable> queue = new ArrayDeque<>();
        private boolean running;

        @Override
        public void execute(Runnable task) {
            queue.add(task);
            if (running) {
                return;
            }
            running = true;
            try {
                for (Runnable next = queue.poll(); next != null; next = queue.poll()) {
                    next.run();
                }
            } finally {
                running = false;
            }
        }
    }

    /** One stanza the bridge sent: its type (subscribe, subscribed, unsubscribed, probe, presence), addresses, presence. */
    record Stanza(String type, BareJid from, BareJid to, Optional<XmppPresence> presence) {
        static Stanza subscribe(BareJid from, BareJid to) {
            return new Stanza("subscribe", from, to, Optional.empty());
        }

        static Stanza subscribed(BareJid from, BareJid to) {
            return new Stanza("subscribed", from, to, Optional.empty());
        }

        static Stanza unsubscribed(BareJid from, BareJid to) {
            return new Stanza("unsubscribed", from, to, Optional.empty());
        }

        static Stanza probe(BareJid from, BareJid to) {
            return new Stanza("probe", from, to, Optional.empty());
        }

        static Stanza presence(BareJid from, BareJid to, XmppPresence presence) {
            return new Stanza("presence", from, to, Optional.of(presence));
        }
    }

    private static final class RecordingXmpp implements XmppSender {
        final List<Stanza> stanzas = new ArrayList<>();

        @Override
        public void subscribe(BareJid from, BareJid to) {
            stanzas.add(Stanza.subscribe(from, to));
        }

        @Override
        public void subscribed(BareJid from, BareJid to) {
            stanzas.add(Stanza.subscribed(from, to));
        }

        @Override
        public void unsubscribed(BareJid from, BareJid to) {
            stanzas.add(Stanza.unsubscribed(from, to));
        }

        @Override
        public void probe(BareJid from, BareJid to) {
            stanzas.add(Stanza.probe(from, to));
        }

        @Override
        public void presence(BareJid from, BareJid to, XmppPresence presence) {
            stanzas.add(Stanza.presence(from, to, presence));
        }
    }

    /** The incoming dialogs: every NOTIFY per watch; a watch has a dialog once the test marks it live, until terminated. */
    private static final class RecordingWatchers implements SipWatchers {
        final Map<Watch, List<Notice>> notices = new HashMap<>();
        final Set<Watch> live = new HashSet<>();

        @Override
        public boolean notify(Watch watch, Notice notice) {
            notices.computeIfAbsent(watch, w -> new ArrayList<>()).add(notice);
            boolean sent = live.contains(watch);
            if (notice.state() == NoticeState.TERMINATED) {
                live.remove(watch);
            }
            return sent;
        }

        List<Notice> notices(Watch watch) {
            return notices.getOrDefault(watch, List.of());
        }

        Notice last(Watch watch) {
            List<Notice> all = notices(watch);
            assertThat(all).as("NOTIFYs to %s", watch).isNotEmpty();
            return all.get(all.size() - 1);
        }
    }

    /** One SUBSCRIBE on the wire, with the view's wire to answer it through. */
    record Subscribe(Aor subscriber, Aor target, long dialog, Duration expires, long requestId, RemotePresenceView.Wire wire) {
    }

    /** The SIP edge of the outgoing subscriptions: records every SUBSCRIBE; answers and NOTIFYs go back through its view's wire. */
    private static final class RecordingEdge {
        final List<Subscribe> sent = new ArrayList<>();

        Subscribe last() {
            assertThat(sent).as("SUBSCRIBEs sent").isNotEmpty();
            return sent.get(sent.size() - 1);
        }

        void accept(Subscribe subscribe) {
            answer(subscribe, 200);
        }

        void answer(Subscribe subscribe, int status) {
            subscribe.wire().onResponse(subscribe.target(), subscribe.requestId(), status,
                    status < 300 ? Optional.of(subscribe.expires()) : Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }

        void notify(Subscribe subscribe, String pidf) {
            assertThat(subscribe.wire().onNotify(subscribe.target(), subscribe.dialog(), NotifyState.parse("active;expires=3600"),
                    Optional.of(new PresenceBody(PresenceDocuments.PIDF, pidf)))).as("a live dialog").isTrue();
        }
    }

    /** The shared presence store in memory, with the database's conditional write. */
    private static final class MemoryPresenceRepository implements PresenceRepository {
        private final Map<PresenceKey, PresenceUpdate> rows = new HashMap<>();

        @Override
        public boolean writeIfNewer(PresenceUpdate update, String sourcePool) {
            PresenceUpdate stored = rows.get(update.key());
            if (stored != null && update.stamp().compareTo(stored.stamp()) <= 0) {
                return false;
            }
            rows.put(update.key(), update);
            return true;
        }

        @Override
        public Optional<PresenceUpdate> load(PresenceKey key) {
            return Optional.ofNullable(rows.get(key));
        }
    }

    /** The subscription table in memory, with the repository's rules. */
    private static final class MemorySubscriptionRepository implements SubscriptionRepository {
        private final Map<String, SubscriptionRecord> rows = new TreeMap<>();

        @Override
        public void upsert(SubscriptionRecord record) {
            SubscriptionRecord stored = rows.get(record.id());
            if (stored == null || stored.version() < record.version()) {
                rows.put(record.id(), record);
            }
        }

        @Override
        public void delete(String id) {
            rows.remove(id);
        }

        @Override
        public Optional<SubscriptionRecord> find(String id) {
            return Optional.ofNullable(rows.get(id));
        }

        @Override
        public Optional<SubscriptionRecord> find(SubscriptionRecord.SubscriptionKey key) {
            return rows.values().stream().filter(r -> r.key().equals(key)).findFirst();
        }

        @Override
        public List<SubscriptionRecord> stalest(Instant runStart, int batchSize) {
            return rows.values().stream().filter(r -> r.lastRecoveredAt().map(t -> t.isBefore(runStart)).orElse(true))
                    .sorted(Comparator.comparing((SubscriptionRecord r) -> r.lastRecoveredAt().orElse(Instant.MIN))
                            .thenComparing(SubscriptionRecord::id))
                    .limit(batchSize).toList();
        }

        @Override
        public long countNotRecoveredSince(Instant runStart) {
            return rows.values().stream().filter(r -> r.lastRecoveredAt().map(t -> t.isBefore(runStart)).orElse(true)).count();
        }

        @Override
        public List<SubscriptionRecord> all() {
            return new ArrayList<>(rows.values());
        }

        Map<String, SubscriptionRecord> rows() {
            return new TreeMap<>(rows);
        }
    }
}
