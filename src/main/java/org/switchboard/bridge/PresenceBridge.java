package org.switchboard.bridge;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.bridge.SipWatchers.Notice;
import org.switchboard.bridge.SipWatchers.Watch;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.Ordering;
import org.switchboard.presence.PresenceDocumentException;
import org.switchboard.presence.PresenceStamp;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.view.PresenceNotification;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.StateChange;
import org.switchboard.presence.view.SubscriptionState;
import org.switchboard.subscription.DialogData;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.subscription.SubscriptionRecord.RecordState;
import org.switchboard.subscription.SubscriptionRecord.SubscriptionKey;
import org.switchboard.timing.Scheduler;

/**
 * The bridge's rules (PRODUCT.md §F), plain Java: what each XMPP stanza and each SIP subscription event leads to.
 * <ul>
 * <li>An XMPP user following a SIP user is an outgoing SIP subscription (a presence view subscribing as the XMPP
 * user's SIP address), persisted as an {@link Direction#OUTGOING_SIP} record.</li>
 * <li>A SIP user watching an XMPP user is an incoming SIP subscription, accepted at once (pending) and forwarded
 * as an XMPP subscription request, persisted as an {@link Direction#INCOMING_SIP} record.</li>
 * </ul>
 * Every event runs on one serial executor, so the rules never race each other and never hold a lock while they
 * call out to SIP or XMPP.
 */
public final class PresenceBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PresenceBridge.class);
    /** How long after its old expiry a recovered incoming subscription waits for the SIP side to subscribe again. */
    static final Duration RESUBSCRIBE_GRACE = Duration.ofMinutes(1);

    /** An XMPP user following a SIP user. */
    record Follow(BareJid xmppWatcher, Aor sipUser) {
    }

    /** What a SIP SUBSCRIBE to an XMPP user gets at once. */
    public sealed interface Admission {
        /** Accepted: answer 2xx with this Expires (zero: the subscription ends). */
        record Accepted(Duration expires) implements Admission {
        }

        /** Refused: answer with this final status. */
        record Refused(int status, String reason) implements Admission {
        }
    }

    private final AddressMapping mapping;
    private final PersistentSubscriptions records;
    private final PresenceStore store;
    private final XmppSender xmpp;
    private final SipWatchers watchers;
    private final SipFollowing following;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Executor serial;
    private final Executor unguardedSerial;
    /** Set on the serial executor when this bridge is retired: every event still queued or arriving later is dropped. */
    private volatile boolean retired;
    private final Cooldowns cooldowns;
    private final Duration maxIncomingExpires;
    private final int maxDocumentChars;
    private volatile Recovery recovery;
    /**
     * Recovered follows whose SIP subscription is still to be re-established on the serial executor; an unfollow
     * meanwhile takes its follow out, so that what recovery queued does not subscribe again after the end.
     */
    private final Set<Follow> resubscribing = ConcurrentHashMap.newKeySet();

    // Touched only on the serial executor.
    private final Map<BareJid, RemotePresenceView> views = new HashMap<>();
    private final Map<Follow, PresenceStamp> lastSent = new HashMap<>();
    private final Map<Follow, XmppPresence> lastPresence = new HashMap<>();
    /**
     * The presence of XMPP users by resource, as their servers send it to the component; kept only for XMPP users a
     * live incoming dialog watches (their servers keep sending presence after the SIP side has gone, for as long as
     * the XMPP subscription stays). A forgotten one is probed for when a SIP user watches it again.
     */
    private final Map<BareJid, LinkedHashMap<String, XmppPresence>> xmppPresence = new HashMap<>();
    /** Live incoming dialogs: when each expires, and the timer that ends it. */
    private final Map<Watch, Expiry> expiries = new HashMap<>();
    /** How many live incoming dialogs watch each XMPP user (the keys of {@link #expiries}, counted by XMPP user). */
    private final Map<BareJid, Integer> liveWatchers = new HashMap<>();
    private final AtomicLong forwardedToXmpp = new AtomicLong();
    private final AtomicLong forwardedToSip = new AtomicLong();
    private final AtomicLong droppedOutOfOrder = new AtomicLong();

    private record Expiry(Instant at, Scheduler.Cancellable timer) {
    }

    public PresenceBridge(AddressMapping mapping, PersistentSubscriptions records, PresenceStore store, XmppSender xmpp,
            SipWatchers watchers, SipFollowing following, Scheduler scheduler, Clock clock, Executor serial, Duration cooldown,
            Duration maxIncomingExpires, int maxDocumentChars) {
        this.mapping = mapping;
        this.records = records;
        this.store = store;
        this.xmpp = xmpp;
        this.watchers = watchers;
        this.following = following;
        this.scheduler = scheduler;
        this.clock = clock;
        this.unguardedSerial = serial;
        this.serial = task -> serial.execute(() -> {
            if (retired) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("Bridge: an event failed: {}", e.toString(), e);
            }
        });
        this.cooldowns = new Cooldowns(clock, cooldown);
        this.maxIncomingExpires = maxIncomingExpires;
        this.maxDocumentChars = maxDocumentChars;
    }

    /** The recovery run, for on-demand recovery of records a request touches before their batch comes. */
    public void useRecovery(Recovery run) {
        this.recovery = run;
    }

    public AddressMapping mapping() {
        return mapping;
    }

    // ---- Recovery -------------------------------------------------------------------------------------------

    /**
     * An outgoing record after a restart: its SIP subscription is established again (a new dialog); an active one's
     * {@code subscribed} is sent again, since it may have been dropped before the restart (its presence follows with
     * the new dialog's first NOTIFY).
     */
    public SubscriptionRecord recoverOutgoing(SubscriptionRecord record) {
        Optional<BareJid> watcher = jid(record.xmppJid());
        if (watcher.isPresent()) {
            Follow follow = new Follow(watcher.get(), record.sipAor());
            resubscribing.add(follow);
            serial.execute(() -> {
                if (resubscribing.remove(follow)) {
                    view(follow.xmppWatcher()).addTargets(List.of(follow.sipUser()));
                    if (record.state() == RecordState.ACTIVE) {
                        mapping.componentAddressOf(follow.sipUser()).ifPresent(sipSide -> xmpp.subscribed(sipSide, follow.xmppWatcher()));
                    }
                }
            });
        }
        return record;
    }

    /**
     * An incoming record after a restart: kept as it was (only the SIP side can renew it); its XMPP user's presence
     * is asked for, so that it is at hand when the SIP side subscribes again, or, while it is pending, the
     * subscription request is sent again (it may have been dropped before the restart).
     */
    public SubscriptionRecord recoverIncoming(SubscriptionRecord record) {
        Optional<BareJid> xmppUser = jid(record.xmppJid());
        if (xmppUser.isEmpty()) {
            return record;
        }
        Watch watch = new Watch(record.sipAor(), xmppUser.get());
        if (record.state() == RecordState.ACTIVE) {
            mapping.componentAddressOf(record.sipAor()).ifPresent(watcher -> serial.execute(() -> xmpp.probe(watcher, watch.xmppUser())));
        } else {
            mapping.componentAddressOf(record.sipAor()).ifPresent(watcher -> serial.execute(() -> xmpp.subscribe(watcher, watch.xmppUser())));
        }
        // A SIP watcher still there refreshes before its old expiry: its refresh meets no dialog (481, see
        // sipDialogUnknown) and it subscribes anew. One that has not by then (plus a grace period) is gone, and its
        // record with it.
        Instant until = record.dialog().expiresAt().orElse(clock.instant().plus(maxIncomingExpires)).plus(RESUBSCRIBE_GRACE);
        Duration wait = Duration.between(clock.instant(), until);
        scheduler.schedule(wait.isNegative() ? Duration.ZERO : wait, () -> serial.execute(() -> forgetIfNotResubscribed(watch, record.id())));
        return record;
    }

    private void forgetIfNotResubscribed(Watch watch, String recordId) {
        if (expiries.containsKey(watch)) {
            return; // subscribed again: a live dialog
        }
        Optional<SubscriptionRecord> record = records.find(incomingKey(watch));
        if (record.isPresent() && record.get().id().equals(recordId)) {
            records.remove(recordId);
            LOG.info("Bridge: {} did not subscribe again to {} after the restart; its record is forgotten (the XMPP subscription stays)",
                    watch.sipWatcher(), watch.xmppUser());
        }
    }

    // ---- XMPP side -------------------------------------------------------------------------------------------

    /**
     * The component is connected (again). Stanzas sent while it was down were dropped, so what XMPP must know is
     * sent again from the subscription records (not from a queue of what was dropped, so that it also holds after a
     * restart): {@code subscribe} for every pending incoming subscription, {@code subscribed} and the last presence
     * for every active outgoing one, and a probe for every active incoming one. Each is harmless when XMPP had it
     * already: a server ignores a {@code subscribed} it has no pending request for, and keeps one pending request.
     */
    public void xmppConnected() {
        serial.execute(() -> {
            int asked = 0;
            int approved = 0;
            int probed = 0;
            for (SubscriptionRecord record : records.all()) {
                Optional<BareJid> jid = jid(record.xmppJid());
                Optional<BareJid> sipSide = mapping.componentAddressOf(record.sipAor());
                if (jid.isEmpty() || sipSide.isEmpty()) {
                    continue;
                }
                if (record.direction() == Direction.INCOMING_SIP && record.state() == RecordState.PENDING) {
                    xmpp.subscribe(sipSide.get(), jid.get());
                    asked++;
                } else if (record.direction() == Direction.INCOMING_SIP) {
                    xmpp.probe(sipSide.get(), jid.get());
                    probed++;
                } else if (record.state() == RecordState.ACTIVE) {
                    replayApproval(new Follow(jid.get(), record.sipAor()), sipSide.get());
                    approved++;
                }
            }
            LOG.info("Bridge: XMPP connected; sent again: {} subscription requests (pending incoming), {} approvals with their last "
                    + "presence (active outgoing), {} probes (active incoming)", asked, approved, probed);
        });
    }

    /** An active follow's {@code subscribed}, and the last presence forwarded to it, sent again. */
    private void replayApproval(Follow follow, BareJid sipSide) {
        xmpp.subscribed(sipSide, follow.xmppWatcher());
        Optional.ofNullable(lastPresence.get(follow)).ifPresent(p -> xmpp.presence(sipSide, follow.xmppWatcher(), p));
    }

    /** {@code from} (an XMPP user) asks to see {@code to}'s presence ({@code to} a SIP user at the component). */
    public void xmppSubscribe(BareJid from, BareJid to) {
        serial.execute(() -> followOf(from, to).ifPresent(this::follow));
    }

    /** {@code from} no longer wants to see {@code to}'s presence: the SIP subscription ends. */
    public void xmppUnsubscribe(BareJid from, BareJid to) {
        serial.execute(() -> followOf(from, to).ifPresent(this::unfollow));
    }

    /** {@code from} (an XMPP user) lets {@code to} (a SIP user) see its presence. */
    public void xmppSubscribed(BareJid from, BareJid to) {
        serial.execute(() -> watchOf(to, from).ifPresent(this::approved));
    }

    /** {@code from} (an XMPP user) refuses or cancels {@code to}'s subscription to its presence. */
    public void xmppUnsubscribed(BareJid from, BareJid to) {
        serial.execute(() -> watchOf(to, from).ifPresent(this::refused));
    }

    /** {@code from}'s presence (one resource of it), sent to {@code to}, a SIP user at the component. */
    public void xmppPresence(BareJid from, String resource, BareJid to, XmppPresence presence) {
        serial.execute(() -> watchOf(to, from).ifPresent(watch -> presenceOf(watch, resource, presence)));
    }

    /** {@code from}'s server asks for {@code to}'s presence (a SIP user it follows). */
    public void xmppProbe(BareJid from, BareJid to) {
        serial.execute(() -> followOf(from, to).ifPresent(follow -> {
            Optional<SubscriptionRecord> record = recovered(outgoingKey(follow));
            if (record.isPresent() && record.get().state() == RecordState.ACTIVE) {
                xmpp.presence(to, from, lastPresence.getOrDefault(follow, XmppPresence.offline()));
            }
        }));
    }

    private void follow(Follow follow) {
        BareJid sipSide = mapping.componentAddressOf(follow.sipUser()).orElseThrow();
        Optional<SubscriptionRecord> existing = recovered(outgoingKey(follow));
        if (existing.isPresent() && existing.get().state() == RecordState.ACTIVE) {
            replayApproval(follow, sipSide);
            return;
        }
        if (existing.isEmpty()) {
            records.put(newRecord(Direction.OUTGOING_SIP, follow.sipUser(), follow.xmppWatcher(), DialogData.none()));
            LOG.info("Bridge: {} follows {}: subscribing over SIP", follow.xmppWatcher(), follow.sipUser());
        }
        view(follow.xmppWatcher()).addTargets(List.of(follow.sipUser()));
    }

    private void unfollow(Follow follow) {
        Optional<SubscriptionRecord> record = recovered(outgoingKey(follow));
        record.ifPresent(r -> records.remove(r.id()));
        resubscribing.remove(follow);
        letGo(follow);
        lastSent.remove(follow);
        lastPresence.remove(follow);
        mapping.componentAddressOf(follow.sipUser())
                .ifPresent(sipSide -> xmpp.presence(sipSide, follow.xmppWatcher(), XmppPresence.offline()));
        LOG.info("Bridge: {} no longer follows {}: SIP subscription ended", follow.xmppWatcher(), follow.sipUser());
    }

    private void approved(Watch watch) {
        Optional<SubscriptionRecord> record = recovered(incomingKey(watch));
        if (record.isEmpty()) {
            return; // the SIP subscription ended meanwhile; the XMPP relationship stays as it is
        }
        cooldowns.clear(watch);
        if (record.get().state() == RecordState.ACTIVE) {
            // Approved already: a server answers a repeated subscribe (a replay, a refresh of a pending record) with
            // subscribed again. The SIP watcher has had its active NOTIFY; presence updates follow as they come.
            return;
        }
        records.put(record.get().withState(RecordState.ACTIVE));
        LOG.info("Bridge: {} approved {}", watch.xmppUser(), watch.sipWatcher());
        notifyActive(watch);
        if (expiries.containsKey(watch) && !xmppPresence.containsKey(watch.xmppUser())) {
            // Forgotten when no SIP user watched it (or never heard): a server need not send it again on a repeated subscribe.
            xmpp.probe(mapping.componentAddressOf(watch.sipWatcher()).orElseThrow(), watch.xmppUser());
        }
    }

    private void refused(Watch watch) {
        cooldowns.start(watch);
        Optional<SubscriptionRecord> record = recovered(incomingKey(watch));
        record.ifPresent(r -> records.remove(r.id()));
        cancelExpiry(watch);
        watchers.notify(watch, Notice.terminated("rejected"));
        LOG.info("Bridge: {} refused or cancelled {}'s subscription; re-subscribes refused for the cooldown", watch.xmppUser(),
                watch.sipWatcher());
    }

    private void presenceOf(Watch watch, String resource, XmppPresence presence) {
        if (liveWatchers.containsKey(watch.xmppUser())) {
            LinkedHashMap<String, XmppPresence> resources = xmppPresence.computeIfAbsent(watch.xmppUser(), u -> new LinkedHashMap<>());
            resources.remove(resource); // most recent last
            if (presence.available()) {
                resources.put(resource, presence);
            }
        }
        Optional<SubscriptionRecord> record = recovered(incomingKey(watch));
        if (record.isEmpty()) {
            return;
        }
        if (record.get().state() != RecordState.ACTIVE) {
            if (!presence.available()) {
                return; // an unavailable presence approves nothing (servers send one in answer to a probe or subscribe)
            }
            // Its server only sends available presence once the subscription is approved.
            records.put(record.get().withState(RecordState.ACTIVE));
        }
        notifyActive(watch);
    }

    /** The XMPP user's presence as SIP sees it: its most recent available resource, or offline. */
    private XmppPresence aggregate(BareJid xmppUser) {
        LinkedHashMap<String, XmppPresence> resources = xmppPresence.get(xmppUser);
        if (resources == null || resources.isEmpty()) {
            return XmppPresence.offline();
        }
        return new ArrayList<>(resources.values()).get(resources.size() - 1);
    }

    private void notifyActive(Watch watch) {
        Expiry expiry = expiries.get(watch);
        if (expiry == null) {
            return; // no live dialog: after a restart, until the SIP side subscribes again
        }
        String pidf = PresenceMapping.toPidf(mapping.sipAddressOf(watch.xmppUser()), aggregate(watch.xmppUser()), clock.instant());
        if (watchers.notify(watch, Notice.active(remaining(expiry), pidf))) {
            forwardedToSip.incrementAndGet();
        }
    }

    // ---- SIP side: incoming subscriptions (SIP users watching XMPP users) -----------------------------------

    /** The immediate answer to a SUBSCRIBE from {@code watch}'s SIP user: refused during a cooldown, else accepted. */
    public Admission admit(Watch watch, Duration requested) {
        Optional<Duration> cooling = cooldowns.remaining(watch);
        if (cooling.isPresent() && !requested.isZero()) {
            return new Admission.Refused(403, "Forbidden: refused by the XMPP user (" + Math.max(1, cooling.get().toSeconds())
                    + " s of cooldown left)");
        }
        return new Admission.Accepted(requested.compareTo(maxIncomingExpires) > 0 ? maxIncomingExpires : requested);
    }

    /** An accepted SUBSCRIBE (new, refresh, or Expires: 0), after its 2xx went out. */
    public void sipSubscribed(Watch watch, Duration expires, DialogData dialog) {
        serial.execute(() -> {
            if (expires.isZero()) {
                sipEnded(watch, "");
                return;
            }
            Instant until = clock.instant().plus(expires);
            Expiry previous = expiries.put(watch, new Expiry(until, scheduler.schedule(expires, () -> serial.execute(() -> expired(watch, until)))));
            if (previous != null) {
                previous.timer().cancel(); // a refresh: the XMPP user stays watched, its presence remembered
            } else {
                liveWatchers.merge(watch.xmppUser(), 1, Integer::sum);
            }
            DialogData withExpiry = new DialogData(dialog.callId(), dialog.localTag(), dialog.remoteTag(), dialog.localCseq(),
                    dialog.remoteCseq(), dialog.routeSet(), dialog.remoteTarget(), Optional.of(until));
            Optional<SubscriptionRecord> record = recovered(incomingKey(watch));
            BareJid sipSide = mapping.componentAddressOf(watch.sipWatcher()).orElseThrow();
            if (record.isEmpty()) {
                records.put(newRecord(Direction.INCOMING_SIP, watch.sipWatcher(), watch.xmppUser(), withExpiry));
                watchers.notify(watch, Notice.pending(expires));
                xmpp.subscribe(sipSide, watch.xmppUser());
                LOG.info("Bridge: {} watches {}: pending, asked over XMPP", watch.sipWatcher(), watch.xmppUser());
            } else if (record.get().state() == RecordState.PENDING) {
                records.put(record.get().withDialog(withExpiry));
                watchers.notify(watch, Notice.pending(expires));
                // The first request may have been dropped (XMPP down) or lost: each refresh asks again.
                xmpp.subscribe(sipSide, watch.xmppUser());
                LOG.info("Bridge: {} still waits for {}: asked over XMPP again", watch.sipWatcher(), watch.xmppUser());
            } else {
                records.put(record.get().withDialog(withExpiry));
                notifyActive(watch);
                if (!xmppPresence.containsKey(watch.xmppUser())) {
                    xmpp.probe(sipSide, watch.xmppUser());
                }
            }
        });
    }

    /**
     * A SUBSCRIBE from {@code watch}'s SIP user in a dialog this instance does not know (one opened before a restart),
     * answered 481 so that the SIP side subscribes anew. An un-SUBSCRIBE in it ends the record, as in a live dialog;
     * a refresh leaves the record for the new SUBSCRIBE to take over. A live dialog of the same watcher is not touched.
     */
    public void sipDialogUnknown(Watch watch, boolean unsubscribe) {
        serial.execute(() -> {
            if (!unsubscribe || expiries.containsKey(watch)) {
                return;
            }
            recovered(incomingKey(watch)).ifPresent(r -> {
                records.remove(r.id());
                LOG.info("Bridge: {} stopped watching {} over SIP in a dialog from before the restart; the XMPP subscription stays",
                        watch.sipWatcher(), watch.xmppUser());
            });
        });
    }

    private void expired(Watch watch, Instant until) {
        Expiry expiry = expiries.get(watch);
        if (expiry != null && expiry.at().equals(until)) {
            sipEnded(watch, "timeout");
        }
    }

    /** The SIP side's subscription ended (Expires: 0, or not refreshed in time). XMPP is not told: the relationship stays. */
    private void sipEnded(Watch watch, String reason) {
        cancelExpiry(watch);
        watchers.notify(watch, Notice.terminated(reason));
        recovered(incomingKey(watch)).ifPresent(r -> records.remove(r.id()));
        LOG.info("Bridge: {} stopped watching {} over SIP{}; the XMPP subscription stays", watch.sipWatcher(), watch.xmppUser(),
                reason.isEmpty() ? "" : " (" + reason + ")");
    }

    private void cancelExpiry(Watch watch) {
        Expiry expiry = expiries.remove(watch);
        if (expiry != null) {
            expiry.timer().cancel();
            if (liveWatchers.merge(watch.xmppUser(), -1, Integer::sum) == 0) {
                liveWatchers.remove(watch.xmppUser());
                xmppPresence.remove(watch.xmppUser()); // no SIP user watches it any more
            }
        }
    }

    private Duration remaining(Expiry expiry) {
        Duration left = Duration.between(clock.instant(), expiry.at());
        return left.isNegative() ? Duration.ZERO : left;
    }

    // ---- SIP side: outgoing subscriptions (XMPP users following SIP users) -----------------------------------

    private RemotePresenceView view(BareJid xmppWatcher) {
        return views.computeIfAbsent(xmppWatcher, w -> following.open(mapping.sipAddressOf(w), new PresenceViewListener() {
            @Override
            public void onNotification(PresenceNotification notification) {
                serial.execute(() -> followed(new Follow(w, notification.target()), notification));
            }

            @Override
            public void onStateChanged(StateChange change) {
                serial.execute(() -> followChanged(new Follow(w, change.target()), change));
            }
        }));
    }

    private void followChanged(Follow follow, StateChange change) {
        Optional<SubscriptionRecord> record = records.find(outgoingKey(follow));
        if (record.isEmpty()) {
            return;
        }
        BareJid sipSide = mapping.componentAddressOf(follow.sipUser()).orElseThrow();
        if (change.to() == SubscriptionState.SUBSCRIBED) {
            activate(follow, record.get(), sipSide);
        } else if (change.isFinalEnd()) {
            records.remove(record.get().id());
            letGo(follow);
            lastSent.remove(follow);
            lastPresence.remove(follow);
            xmpp.unsubscribed(sipSide, follow.xmppWatcher());
            LOG.info("Bridge: {} refused {} over SIP ({})", follow.sipUser(), follow.xmppWatcher(), change.reason());
        } else if (change.to() == SubscriptionState.TERMINATED) {
            // Unreachable for now; the view re-establishes it. Meanwhile the SIP user shows offline.
            lastSent.remove(follow);
            lastPresence.put(follow, XmppPresence.offline());
            xmpp.presence(sipSide, follow.xmppWatcher(), XmppPresence.offline());
        }
    }

    /** Ends the SIP subscription of a follow; an XMPP user's view with no target left is closed. */
    private void letGo(Follow follow) {
        RemotePresenceView view = views.get(follow.xmppWatcher());
        if (view != null) {
            view.removeTargets(List.of(follow.sipUser()));
            if (view.targets().isEmpty()) {
                views.remove(follow.xmppWatcher());
                view.close();
            }
        }
    }

    private void activate(Follow follow, SubscriptionRecord record, BareJid sipSide) {
        if (record.state() != RecordState.ACTIVE) {
            records.put(record.withState(RecordState.ACTIVE));
            xmpp.subscribed(sipSide, follow.xmppWatcher());
            LOG.info("Bridge: {} accepted {} over SIP", follow.sipUser(), follow.xmppWatcher());
        }
    }

    /** A NOTIFY for a follow: forwarded when it is newer than anything forwarded to that XMPP user, by publish time. */
    private void followed(Follow follow, PresenceNotification notification) {
        Optional<SubscriptionRecord> record = records.find(outgoingKey(follow));
        if (record.isEmpty() || notification.updates().isEmpty()) {
            return;
        }
        BareJid sipSide = mapping.componentAddressOf(follow.sipUser()).orElseThrow();
        activate(follow, record.get(), sipSide); // a NOTIFY may overtake the 200 that accepted the SUBSCRIBE
        PresenceStamp newest = null;
        boolean stale = false;
        for (PresenceUpdate update : notification.updates()) {
            Ordering result = store.offer(update);
            stale |= result == Ordering.OUT_OF_ORDER;
            if (newest == null || update.stamp().compareTo(newest) > 0) {
                newest = update.stamp();
            }
        }
        PresenceStamp sent = lastSent.get(follow);
        String contentType = notification.contentType();
        String body = notification.body();
        if (stale && notification.updates().size() == 1) {
            // Older than what the store holds (another pool, or another follower's dialog, saw newer): this follower
            // gets the store's newest document instead, unless it has it already.
            Optional<PresenceUpdate> current = store.current(notification.updates().get(0).key());
            if (current.isPresent() && (sent == null || current.get().stamp().compareTo(sent) > 0)) {
                newest = current.get().stamp();
                contentType = current.get().contentType();
                body = current.get().document();
                stale = false;
            }
        }
        if (stale || (sent != null && newest.compareTo(sent) <= 0)) {
            droppedOutOfOrder.incrementAndGet();
            return;
        }
        XmppPresence presence;
        try {
            presence = PresenceMapping.toXmpp(contentType, body, maxDocumentChars);
        } catch (PresenceDocumentException e) {
            LOG.debug("Bridge: presence of {} not mapped: {}", follow.sipUser(), e.getMessage());
            return;
        }
        lastSent.put(follow, newest);
        lastPresence.put(follow, presence);
        xmpp.presence(sipSide, follow.xmppWatcher(), presence);
        forwardedToXmpp.incrementAndGet();
    }

    // ---- Records ---------------------------------------------------------------------------------------------

    /** The record for a key, recovered first if the recovery run has not come to it yet. */
    private Optional<SubscriptionRecord> recovered(SubscriptionKey key) {
        Recovery run = recovery;
        if (run != null) {
            try {
                return run.recoverNow(key);
            } catch (RuntimeException e) {
                LOG.warn("Bridge: cannot recover {} on demand ({}); using what is in memory", key, e.toString());
            }
        }
        return records.find(key);
    }

    private SubscriptionRecord newRecord(Direction direction, Aor sip, BareJid jid, DialogData dialog) {
        return new SubscriptionRecord(UUID.randomUUID().toString(), direction, sip, jid.toString(), RecordState.PENDING,
                clock.instant(), Optional.empty(), dialog, 1);
    }

    private static SubscriptionKey outgoingKey(Follow follow) {
        return new SubscriptionKey(Direction.OUTGOING_SIP, follow.sipUser(), follow.xmppWatcher().toString());
    }

    private static SubscriptionKey incomingKey(Watch watch) {
        return new SubscriptionKey(Direction.INCOMING_SIP, watch.sipWatcher(), watch.xmppUser().toString());
    }

    /** An XMPP user asking about a SIP user at the component; empty (and logged) for anything else. */
    private Optional<Follow> followOf(BareJid xmppUser, BareJid componentAddress) {
        Optional<Aor> sipUser = mapping.sipUserOf(componentAddress);
        if (sipUser.isEmpty() || !mapping.isXmppUser(xmppUser) || !hasSipAddress(xmppUser)) {
            LOG.debug("Bridge: ignoring a stanza from {} to {}", xmppUser, componentAddress);
            return Optional.empty();
        }
        return Optional.of(new Follow(xmppUser, sipUser.get()));
    }

    /** False for an XMPP local part that is no SIP user part ('#', a stray '%'): SIP cannot name that user. */
    private boolean hasSipAddress(BareJid xmppUser) {
        try {
            mapping.sipAddressOf(xmppUser);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Optional<Watch> watchOf(BareJid componentAddress, BareJid xmppUser) {
        return followOf(xmppUser, componentAddress).map(f -> new Watch(f.sipUser(), xmppUser));
    }

    private static Optional<BareJid> jid(String text) {
        try {
            return Optional.of(BareJid.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    // ---- Read-outs -------------------------------------------------------------------------------------------

    /** Counts for the health JSON and metrics. */
    public BridgeCounts counts() {
        long outgoing = 0;
        long incoming = 0;
        for (SubscriptionRecord record : records.all()) {
            if (record.direction() == Direction.OUTGOING_SIP) {
                outgoing++;
            } else {
                incoming++;
            }
        }
        return new BridgeCounts(outgoing, incoming, forwardedToXmpp.get(), forwardedToSip.get(), droppedOutOfOrder.get());
    }

    /** XMPP users whose presence this bridge holds (those a live incoming dialog watches). */
    int xmppUsersWithPresence() {
        return xmppPresence.size();
    }

    /** Forgets ended cooldowns (housekeeping). */
    public int purgeEndedCooldowns() {
        return cooldowns.purgeEnded();
    }

    /**
     * In a pool: this member no longer runs the bridge. Everything queued or arriving later is dropped, and the
     * subscriptions are left to the next owner, which recovers them from the database. {@code handover}: the lease goes
     * to another member cleanly — SIP watchers are told their subscriptions end ({@code deactivated}: subscribe again at
     * once, RFC 6665 §4.1.3; the new SUBSCRIBE finds the new owner) and outgoing subscriptions are ended on the wire;
     * otherwise another member may own the bridge already, and nothing is said on the wire.
     */
    public void retire(boolean handover) {
        unguardedSerial.execute(() -> {
            if (retired) {
                return;
            }
            retired = true;
            resubscribing.clear();
            for (Map.Entry<Watch, Expiry> entry : expiries.entrySet()) {
                entry.getValue().timer().cancel();
                if (handover) {
                    watchers.notify(entry.getKey(), Notice.terminated("deactivated"));
                }
            }
            watchers.forgetAll();
            for (RemotePresenceView view : views.values()) {
                if (handover) {
                    view.close();
                } else {
                    view.abandon();
                }
            }
            views.clear();
            expiries.clear();
            liveWatchers.clear();
            xmppPresence.clear();
            lastSent.clear();
            lastPresence.clear();
            LOG.info("Bridge: stopped here ({}); the member that holds the bridge now recovers its subscriptions",
                    handover ? "handed over" : "its lease lapsed");
        });
    }

    @Override
    public void close() {
        // The views belong to the platform's registry, which closes them; only the expiry timers are the bridge's.
        serial.execute(() -> {
            expiries.values().forEach(e -> e.timer().cancel());
            expiries.clear();
            liveWatchers.clear();
            xmppPresence.clear();
        });
    }
}
