package org.switchboard.dispatch;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.NoResponseException;
import org.switchboard.endpoint.SipResponse;
import org.switchboard.timing.Scheduler;

/**
 * What one request an endpoint sent is waiting for: its provisional responses, then exactly one outcome
 * (the final response, a timeout, or a failure to send). Whatever comes first wins; anything later is
 * dropped. Plain Java: the SIP edge ({@link SipOutboundRequest}) feeds it what the container delivers.
 *
 * <p>The container ends a transaction that got no answer with a 408 of its own (Timer F, or B for an
 * INVITE). Should that signal not come (a transport error found after the request left may only be
 * logged by the container), a fallback timer on the injected scheduler ends the wait as a timeout, so no
 * stage is left incomplete.
 */
final class PendingAnswer {

    private static final Logger LOG = LoggerFactory.getLogger(PendingAnswer.class);

    /** RFC 3261 Timer F (and B): 64 × T1 with T1 at its default 500 ms; the container's own timeout. */
    static final Duration TIMER_F = Duration.ofSeconds(32);
    /**
     * The fallback waits a little longer than the container's Timer F, so that the container's 408, when it
     * comes, is what ends the wait (a busy container may deliver it a few seconds late).
     */
    static final Duration FALLBACK_FIRST = TIMER_F.plusSeconds(8);
    /**
     * After a provisional response an INVITE may wait for its final one for minutes (a phone ringing); RFC 3261
     * §16.6 lets a proxy give up after 3 minutes without a response (Timer C), so the fallback waits as long.
     */
    static final Duration TIMER_C = Duration.ofMinutes(3);

    /** How long the fallback waits: before any response, and after each provisional one. */
    record Timeouts(Duration firstResponse, Duration afterProvisional) {

        static final Timeouts DEFAULT = new Timeouts(FALLBACK_FIRST, TIMER_C);

        Timeouts {
            Objects.requireNonNull(firstResponse, "firstResponse");
            Objects.requireNonNull(afterProvisional, "afterProvisional");
        }
    }

    private final String description;
    private final Scheduler scheduler;
    private final Timeouts timeouts;
    private final Consumer<SipResponse> provisionalListener;
    private final CompletableFuture<SipResponse> outcome = new CompletableFuture<>();
    private Scheduler.Cancellable fallback; // guarded by this
    private boolean settled; // guarded by this

    /**
     * @param description what was sent to whom, for the exception's message and the log ("MESSAGE to sip:…")
     * @param provisionalListener hears each 1xx before the outcome
     */
    PendingAnswer(String description, Scheduler scheduler, Timeouts timeouts, Consumer<SipResponse> provisionalListener) {
        this.description = description;
        this.scheduler = scheduler;
        this.timeouts = timeouts;
        this.provisionalListener = provisionalListener;
    }

    /** Completes with the final response, or exceptionally with a {@link NoResponseException}. */
    CompletionStage<SipResponse> stage() {
        return outcome;
    }

    /** The request went out: the fallback starts. */
    void sent() {
        arm(timeouts.firstResponse());
    }

    /**
     * A response the container delivered. {@code madeByContainer}: the container made it itself rather than
     * receiving it (its 408 on a transaction timeout).
     */
    void response(SipResponse response, boolean madeByContainer) {
        if (madeByContainer && response.status() == 408) {
            timedOut("the transaction timed out");
        } else if (response.isProvisional()) {
            provisional(response);
        } else if (settle()) {
            outcome.complete(response);
        }
    }

    /**
     * Under the lock that {@link #settle} takes: the container hands the responses of one transaction to
     * several threads at once, and a final response right behind a 1xx being heard must wait for it, so
     * that whatever the bean chained on the stage sees the 1xx it was told about.
     */
    private synchronized void provisional(SipResponse response) {
        if (settled) {
            return; // the final response came first: too late to be heard
        }
        arm(timeouts.afterProvisional());
        try {
            provisionalListener.accept(response);
        } catch (RuntimeException e) {
            // the bean's listener failing must not cost it the final answer
            LOG.warn("Provisional-response listener failed on {} to {}", response, description, e);
        }
    }

    /** The request could not be sent. */
    void notSent(Throwable cause) {
        fail(new NoResponseException(NoResponseException.Reason.TRANSPORT, "Cannot send " + description + ": " + cause.getMessage(), cause));
    }

    private void timedOut(String why) {
        fail(new NoResponseException(NoResponseException.Reason.TIMEOUT, "No final response to " + description + ": " + why, null));
    }

    private void fail(NoResponseException failure) {
        if (settle()) {
            // One line, so that a bean that never looks at the stage (the echo, for one) does not fail unseen.
            LOG.info("{}", failure.getMessage());
            outcome.completeExceptionally(failure);
        }
    }

    private synchronized void arm(Duration delay) {
        if (settled) {
            return;
        }
        if (fallback != null) {
            fallback.cancel();
        }
        fallback = scheduler.schedule(delay, () -> timedOut("none within " + delay.toSeconds() + " s, and the container gave no signal"));
    }

    /**
     * The one transition to the outcome: true for the first caller, who then completes the stage (outside
     * the lock, since the bean's chained code runs there); false for anything later, which is dropped.
     */
    private synchronized boolean settle() {
        if (settled) {
            return false;
        }
        settled = true;
        if (fallback != null) {
            fallback.cancel();
            fallback = null;
        }
        return true;
    }
}
