package org.switchboard.dispatch.routing;

/** Which dispatch rule (PRODUCT.md §B) picked the endpoint of a delivered request. */
public enum Rule {
    /** The {@code Ms-Application-Aor} header named the endpoint's AOR. */
    APPLICATION_AOR_HEADER,
    /** The To URI was the endpoint's GRUU. */
    TO_GRUU,
    /** The To URI was the endpoint's AOR, possibly narrowed by an epid. */
    TO_AOR,
    /** No endpoint owns the To AOR, and the endpoint takes every request to the To URI's domain (the XMPP bridge). */
    TO_DOMAIN,
    /** The endpoint already handles the request's {@code Ms-Conversation-ID}. */
    CONVERSATION_ID,
    /** The default routing endpoint sent the request on to this endpoint. */
    REDISPATCHED
}
