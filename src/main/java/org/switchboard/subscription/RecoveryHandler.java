package org.switchboard.subscription;

/**
 * Brings one persisted record back to life after a restart: an outgoing SIP subscription is re-established
 * on the wire; an incoming one is marked active (only the SIP side can renew it). Returns the record as it
 * should now be kept.
 */
@FunctionalInterface
public interface RecoveryHandler {
    SubscriptionRecord recover(SubscriptionRecord record);
}
