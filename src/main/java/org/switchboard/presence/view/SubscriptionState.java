package org.switchboard.presence.view;

/** Where a presence view's subscription to one target stands. */
public enum SubscriptionState {
    /** Not started. */
    IDLE,
    /** A SUBSCRIBE (new or refresh) is out and not answered yet. */
    SUBSCRIBING,
    /** Accepted; NOTIFYs flow. */
    SUBSCRIBED,
    /** Failed or told to wait: a new subscription goes out after a delay. */
    WAITING_FOR_RETRY,
    /** Ending: an unsubscribe is out, or the subscription could not be kept. */
    TERMINATING,
    /** Ended. Only a forced refresh or the re-establishment policy starts it again. */
    TERMINATED
}
