package org.switchboard.presence.view;

import org.switchboard.timing.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.Aor;

/**
 * The subscription of one view to one target: the state machine of PRODUCT.md §C in plain Java. Events
 * come in (answers, timeouts, NOTIFYs, timers, requests of the view); SUBSCRIBEs go out through a
 * {@link SubscribeSender}; every transition happens in {@link #moveTo}, which logs it and raises it.
 *
 * <p>One target's events are handled one at a time, in order, under its monitor; what they raise for the view is
 * delivered after the monitor is released ({@link EventOutbox}).
 */
final class TargetSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(TargetSubscription.class);
    /**
     * The longest an answer is awaited. The SIP stack reports an unanswered non-INVITE request after 32 s (Timer
     * F); should that report never come, the request counts as unanswered here all the same.
     */
    static final Duration ANSWER_BACKSTOP = Duration.ofSeconds(40);

    private final Aor target;
    private final ViewMode mode;
    /** Read at each decision, so that an operator's change applies at once. */
    private final Supplier<ViewPolicy> livePolicy;
    private final SubscribeSender sender;
    /** Raised under this object's monitor, delivered once it is released (see {@link EventOutbox}). */
    private final EventOutbox events;
    private final Scheduler scheduler;
    private final Clock clock;
    private final DoubleSupplier random;
    private final LongSupplier newDialog;

    /** Written under this object's monitor; volatile so that counting states (health, metrics) takes no lock per target. */
    private volatile SubscriptionState state = SubscriptionState.IDLE;
    /** The dialog NOTIFYs are accepted on; a new number for every new dialog, never reused within a view. */
    private long dialog;
    /** Whether the current dialog was established (a 2xx or a NOTIFY came), so refreshes may go inside it. */
    private boolean established;
    private long requestSeq;
    /** The request whose answer is awaited; answers to any other are stale. */
    private long pending = -1;
    private Purpose pendingPurpose;
    private Duration asking;
    /** When the subscription granted last ends at the notifier; null when none is granted. */
    private Instant grantedUntil;
    /** Failed attempts since the last success. */
    private int failures;
    private Duration reestablishDelay;
    private boolean closed;
    private Scheduler.Cancellable timer;

    private enum Purpose { SUBSCRIBE, REFRESH, UNSUBSCRIBE }

    /** Events delivered on the thread that raised them, once it has released the monitor (tests on a manual clock). */
    TargetSubscription(Aor target, ViewMode mode, Supplier<ViewPolicy> policy, SubscribeSender sender, SubscriptionEvents events,
            Scheduler scheduler, Clock clock, DoubleSupplier random, LongSupplier newDialog) {
        this(target, mode, policy, sender, events, Runnable::run, scheduler, clock, random, newDialog);
    }

    /** {@code delivery}: where this target's events reach the view's listener, in the order raised. */
    TargetSubscription(Aor target, ViewMode mode, Supplier<ViewPolicy> policy, SubscribeSender sender, SubscriptionEvents events,
            Executor delivery, Scheduler scheduler, Clock clock, DoubleSupplier random, LongSupplier newDialog) {
        this.target = target;
        this.mode = mode;
        this.livePolicy = policy;
        this.sender = sender;
        this.events = new EventOutbox(events, delivery);
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.newDialog = newDialog;
        this.asking = mode == ViewMode.POLLING ? Duration.ZERO : policy.get().expires();
        this.reestablishDelay = policy.get().reestablishInitial();
    }

    private ViewPolicy policy() {
        return livePolicy.get();
    }

    Aor target() {
        return target;
    }

    SubscriptionState state() {
        return state;
    }

    synchronized long dialog() {
        return dialog;
    }

    /** Starts subscribing (Idle → Subscribing). */
    void start() {
        startLocked();
        events.deliver();
    }

    private synchronized void startLocked() {
        if (state == SubscriptionState.IDLE && !closed) {
            subscribeAnew("started");
        }
    }

    /**
     * A forced refresh: re-SUBSCRIBE now. Inside the dialog when one is established (a dead peer then
     * shows at once as a failed refresh), otherwise a new subscription, whatever state it was in.
     */
    void forceRefresh() {
        forceRefreshLocked();
        events.deliver();
    }

    private synchronized void forceRefreshLocked() {
        if (closed || state == SubscriptionState.SUBSCRIBING) {
            return;
        }
        if (state == SubscriptionState.SUBSCRIBED && established && mode == ViewMode.PERSISTENT) {
            send(Purpose.REFRESH, dialog, asking);
            return;
        }
        subscribeAnew("forced refresh");
    }

    /** The view no longer wants this target: unsubscribe (Expires: 0) and end. */
    void stop() {
        stopLocked();
        events.deliver();
    }

    private synchronized void stopLocked() {
        if (closed) {
            return;
        }
        closed = true;
        cancelTimer();
        if (state == SubscriptionState.SUBSCRIBED && established && mode == ViewMode.PERSISTENT) {
            moveTo(SubscriptionState.TERMINATING, "removed from the view");
            send(Purpose.UNSUBSCRIBE, dialog, Duration.ZERO);
            return;
        }
        pending = -1;
        if (state != SubscriptionState.TERMINATED) {
            moveTo(SubscriptionState.TERMINATING, "removed from the view");
            moveTo(SubscriptionState.TERMINATED, "removed from the view");
        }
    }

    /**
     * Another pool member holds this target now (this one lost its lease): end at once without a word on the wire —
     * an unsubscribe could end the new owner's subscription at a server that matches by From and Event.
     */
    void abandon() {
        abandonLocked();
        events.deliver();
    }

    private synchronized void abandonLocked() {
        if (closed) {
            return;
        }
        closed = true;
        cancelTimer();
        pending = -1;
        if (state != SubscriptionState.TERMINATED) {
            moveTo(SubscriptionState.TERMINATED, "owned by another pool member now");
        }
    }

    /**
     * The final answer to a SUBSCRIBE.
     *
     * @param expires    the granted Expires, when the answer has one
     * @param minExpires a 423's Min-Expires
     * @param retryAfter a Retry-After, when given
     */
    void onResponse(long requestId, int status, Optional<Duration> expires, Optional<Duration> minExpires,
            Optional<Duration> retryAfter, Optional<PresenceBody> body) {
        onResponseLocked(requestId, status, expires, minExpires, retryAfter, body);
        events.deliver();
    }

    private synchronized void onResponseLocked(long requestId, int status, Optional<Duration> expires, Optional<Duration> minExpires,
            Optional<Duration> retryAfter, Optional<PresenceBody> body) {
        if (requestId != pending) {
            return; // an answer to a request we have moved on from
        }
        Purpose purpose = pendingPurpose;
        pending = -1;
        cancelTimer(); // the answer deadline
        if (purpose == Purpose.UNSUBSCRIBE) {
            moveTo(SubscriptionState.TERMINATED, "unsubscribed (" + status + ")");
            return;
        }
        if (status >= 200 && status < 300) {
            established = true;
            failures = 0;
            reestablishDelay = policy().reestablishInitial();
            grantedUntil = clock.instant().plus(expires.orElse(asking));
            body.ifPresent(b -> events.presence(target, b.contentType(), b.text()));
            if (state != SubscriptionState.SUBSCRIBED) {
                moveTo(SubscriptionState.SUBSCRIBED, (purpose == Purpose.REFRESH ? "refreshed " : "accepted ") + status);
            }
            scheduleNext(expires.orElse(asking));
        } else if (status == 423 && minExpires.isPresent() && minExpires.get().compareTo(asking) > 0) {
            asking = minExpires.get();
            LOG.info("{}: 423 Interval Too Brief, asking again for Min-Expires {} s", target, asking.toSeconds());
            if (purpose == Purpose.SUBSCRIBE) {
                dialog = newDialog.getAsLong(); // no dialog came of the refused SUBSCRIBE: ask again in a new one
            }
            send(purpose, dialog, asking);
        } else if (isRecoverable(status)) {
            failed(purpose, status + (status == 408 ? " (timeout)" : ""), retryAfter);
        } else {
            finalRejection("rejected " + status);
        }
    }

    /** No answer to a SUBSCRIBE at all (the transaction timed out). */
    void onTimeout(long requestId) {
        onTimeoutLocked(requestId);
        events.deliver();
    }

    private synchronized void onTimeoutLocked(long requestId) {
        onResponseLocked(requestId, 408, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * A NOTIFY for this target on dialog {@code notifyDialog}.
     *
     * @return false when the dialog is not the live one (answer 481), true otherwise (answer 200)
     */
    boolean onNotify(long notifyDialog, NotifyState notify, Optional<PresenceBody> body) {
        boolean result = onNotifyLocked(notifyDialog, notify, body);
        events.deliver();
        return result;
    }

    private synchronized boolean onNotifyLocked(long notifyDialog, NotifyState notify, Optional<PresenceBody> body) {
        if (notifyDialog != dialog || state == SubscriptionState.TERMINATED || state == SubscriptionState.IDLE) {
            return false;
        }
        body.ifPresent(b -> events.presence(target, b.contentType(), b.text()));
        if (closed) {
            if (notify.terminated()) {
                cancelTimer();
                pending = -1;
                moveTo(SubscriptionState.TERMINATED, "unsubscribed (NOTIFY terminated)");
            }
            return true;
        }
        if (!notify.terminated()) {
            established = true;
            if (state == SubscriptionState.SUBSCRIBING && pendingPurpose == Purpose.SUBSCRIBE) {
                // The NOTIFY overtook the 200: the subscription exists; the 200 may still come.
                moveTo(SubscriptionState.SUBSCRIBED, "first NOTIFY (" + notify.state() + ")");
                failures = 0;
                grantedUntil = clock.instant().plus(notify.expires().orElse(asking));
                if (mode == ViewMode.PERSISTENT) {
                    scheduleNext(notify.expires().orElse(asking));
                }
            } else if (state == SubscriptionState.SUBSCRIBED && mode == ViewMode.PERSISTENT && notify.expires().isPresent()
                    && pending < 0) {
                grantedUntil = clock.instant().plus(notify.expires().get());
                scheduleNext(notify.expires().get());
            }
            return true;
        }
        if (mode == ViewMode.POLLING) {
            return true; // a fetch's NOTIFY always ends its subscription
        }
        String reason = notify.reason().orElse("");
        String why = "NOTIFY terminated" + (reason.isEmpty() ? "" : ";reason=" + reason);
        switch (reason.toLowerCase(Locale.ROOT)) {
            case "deactivated", "timeout" -> subscribeAnew(why);
            case "rejected", "noresource", "invariant" -> finalRejection(why);
            default -> { // probation, giveup, none or unknown: wait, then subscribe anew (RFC 6665 §4.1.3)
                established = false;
                pending = -1;
                ViewPolicy policy = policy(); // one snapshot per decision
                Duration wait = notify.retryAfter().orElse(jittered(policy.retryDelays().isEmpty()
                        ? policy.reestablishInitial() : policy.retryDelays().get(0)));
                waitThenSubscribe(why + ", again in " + wait.toSeconds() + " s", wait);
            }
        }
        return true;
    }

    private void failed(Purpose purpose, String status, Optional<Duration> retryAfter) {
        ViewPolicy policy = policy(); // one snapshot per decision
        established = false;
        grantedUntil = null;
        failures++;
        String what = purpose == Purpose.REFRESH ? "refresh failed: " : "SUBSCRIBE failed: ";
        if (failures <= policy.retryDelays().size()) {
            Duration wait = retryAfter.orElse(jittered(policy.retryDelays().get(failures - 1)));
            waitThenSubscribe(what + status + ", attempt " + failures + " of " + policy.retryDelays().size()
                    + " in " + wait.toMillis() + " ms", wait);
            return;
        }
        moveTo(SubscriptionState.TERMINATING, what + status + " after " + policy.retryDelays().size() + " retries");
        moveTo(SubscriptionState.TERMINATED, "gave up after " + policy.retryDelays().size() + " retries");
        Duration wait = reestablishDelay;
        reestablishDelay = min(reestablishDelay.multipliedBy(2), policy.reestablishMax());
        failures = 0;
        LOG.info("{}: re-establishing in {} s (terminated without being asked to)", target, wait.toSeconds());
        timer = scheduler.schedule(wait, () -> reestablish(wait));
    }

    private void reestablish(Duration waited) {
        reestablishLocked(waited);
        events.deliver();
    }

    private synchronized void reestablishLocked(Duration waited) {
        timer = null;
        if (!closed && state == SubscriptionState.TERMINATED) {
            subscribeAnew("re-establishing after " + waited.toSeconds() + " s");
        }
    }

    private void finalRejection(String why) {
        cancelTimer();
        established = false;
        grantedUntil = null;
        pending = -1;
        moveTo(SubscriptionState.TERMINATING, why);
        moveTo(SubscriptionState.TERMINATED, why + StateChange.FINAL);
    }

    private void waitThenSubscribe(String why, Duration wait) {
        moveTo(SubscriptionState.WAITING_FOR_RETRY, why);
        cancelTimer();
        timer = scheduler.schedule(wait, this::retryNow);
    }

    private void retryNow() {
        retryNowLocked();
        events.deliver();
    }

    private synchronized void retryNowLocked() {
        timer = null;
        if (!closed && state == SubscriptionState.WAITING_FOR_RETRY) {
            subscribeAnew("retrying");
        }
    }

    /** A new dialog, a new Call-ID. */
    private void subscribeAnew(String why) {
        cancelTimer();
        dialog = newDialog.getAsLong();
        established = false;
        grantedUntil = null;
        moveTo(SubscriptionState.SUBSCRIBING, why);
        send(Purpose.SUBSCRIBE, dialog, asking);
    }

    private void send(Purpose purpose, long onDialog, Duration expires) {
        cancelTimer();
        long id = ++requestSeq;
        pending = id;
        pendingPurpose = purpose;
        sender.subscribe(target, onDialog, expires, id);
        if (pending == id) { // not answered at once
            timer = scheduler.schedule(answerDeadline(purpose), () -> unanswered(id));
        }
    }

    /**
     * How long an answer is awaited: a refresh, never past the end of the subscription it refreshes (not
     * answered before then, it leaves nothing subscribed); anything, never longer than {@link #ANSWER_BACKSTOP}.
     * A SUBSCRIBE in a new dialog (a fetch of a polling view among them) refreshes nothing: only the backstop.
     */
    private Duration answerDeadline(Purpose purpose) {
        if (purpose != Purpose.REFRESH || grantedUntil == null) {
            return ANSWER_BACKSTOP;
        }
        Duration left = Duration.between(clock.instant(), grantedUntil);
        return left.isNegative() ? Duration.ZERO : min(left, ANSWER_BACKSTOP);
    }

    /** No answer by the deadline: the request failed as a timeout would, and a late answer is stale. */
    private void unanswered(long requestId) {
        unansweredLocked(requestId);
        events.deliver();
    }

    private synchronized void unansweredLocked(long requestId) {
        if (requestId != pending) {
            return;
        }
        timer = null;
        boolean expired = grantedUntil != null && !clock.instant().isBefore(grantedUntil);
        LOG.info("{}: no answer to {} {}", target, pendingPurpose,
                expired ? "before the subscription expired" : "within " + ANSWER_BACKSTOP.toSeconds() + " s");
        onResponseLocked(requestId, 408, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Persistent: refresh before expiry. Polling: fetch again after the interval. */
    private void scheduleNext(Duration granted) {
        cancelTimer();
        if (mode == ViewMode.POLLING) {
            timer = scheduler.schedule(policy().pollingInterval(), this::poll);
        } else if (!granted.isZero()) {
            timer = scheduler.schedule(policy().refreshAfter(granted), this::refreshNow);
        }
    }

    private void refreshNow() {
        refreshNowLocked();
        events.deliver();
    }

    private synchronized void refreshNowLocked() {
        timer = null;
        if (!closed && state == SubscriptionState.SUBSCRIBED && pending < 0) {
            send(Purpose.REFRESH, dialog, asking);
        }
    }

    private void poll() {
        pollLocked();
        events.deliver();
    }

    private synchronized void pollLocked() {
        timer = null;
        if (!closed && state == SubscriptionState.SUBSCRIBED && pending < 0) {
            dialog = newDialog.getAsLong(); // every fetch is its own short subscription
            send(Purpose.SUBSCRIBE, dialog, Duration.ZERO);
        }
    }

    private void moveTo(SubscriptionState to, String reason) {
        SubscriptionState from = state;
        state = to;
        StateChange change = new StateChange(target, from, to, reason, clock.instant());
        LOG.info("Presence view {}", change);
        events.stateChanged(change);
    }

    private Duration jittered(Duration delay) {
        double factor = 1 + policy().jitter() * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.max(0, Math.round(delay.toMillis() * factor)));
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    private static boolean isRecoverable(int status) {
        return status == 408 || status == 481 || status == 423 || (status >= 500 && status < 600);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

}
