package org.switchboard.admin;

/**
 * The platform as the container's admin console (or any JMX console) sees it, under
 * {@code org.switchboard:type=Platform,context=<context path>}.
 */
public interface PlatformMBean {

    String getVersion();

    String getInstanceId();

    String getApplicationPool();

    long getUptimeSeconds();

    /** Presence-view targets by subscription state, e.g. {@code SUBSCRIBED=9998, WAITING_FOR_RETRY=2}. */
    String getPresenceViewStates();

    /** The subscription database: breaker state, writes waiting, retries, transitions, resyncs. */
    String getPersistenceStatus();

    /** Recovery of this start: recovered of total, batches, finished or not. */
    String getRecoveryProgress();

    /** The pool as this member saw it at its last renewal (members, leases held, takeovers), or "not in a pool". */
    String getPoolStatus();

    /** Presence updates offered since start and what became of them. */
    String getPresenceCounts();

    /** Every hosted endpoint: name, AOR, GRUU, kind. */
    String[] listEndpoints();

    /** Every bridged subscription in memory: direction, SIP AOR, XMPP JID, state. */
    String[] listSubscriptions();

    /** Every registering endpoint: name, user, state and since when, where registered, primary and backup registrars. */
    String[] listRegistrations();

    /** Forces a refresh of every target of every presence view, paced. Returns the targets queued. */
    int refreshAllPresenceViews();

    /**
     * Recovers every subscription record not yet recovered at once: the remaining batches follow one another
     * without the pause between them. Returns the recovery progress when asked.
     */
    String recoverNow();

    // Extension point (registration, PRODUCT.md §G): the registration feature adds its read-out here,
    // e.g. String[] listRegistrations(); nothing registration-specific exists on this branch.
}
