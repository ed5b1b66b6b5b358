package org.switchboard.registration;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.switchboard.endpoint.SipUri;

/**
 * Sends an endpoint's REGISTERs and probes (the SIP edge). Every request's final answer, or its failure,
 * comes back through the {@link Wire} with the request's id; a request that cannot be sent at all (a refused
 * connection) is answered 503.
 */
public interface RegisterSender {

    /** REGISTER with {@code registrar} as Request-URI, the endpoint's AOR in From and To, its GRUU in Contact. */
    void register(SipUri registrar, Duration expires, long requestId);

    /** OPTIONS to {@code registrar}: does it answer? */
    void probe(SipUri registrar, long requestId);

    /** Where the answers go. */
    interface Wire {
        /**
         * @param expires  the Expires granted, when the answer says
         * @param contacts a 3xx's Contacts (usable or not: those that do not parse are left out)
         * @return what the edge must still do about the answer
         */
        Verdict onRegisterAnswer(long requestId, int status, Optional<Duration> expires, List<ContactChoice> contacts);

        void onProbeAnswer(long requestId, int status);
    }

    /** What the endpoint made of an answer to a REGISTER. */
    enum Verdict {
        /** The answer the endpoint was waiting for: acted on. */
        TAKEN,
        /** An answer to a request the endpoint has moved on from; it changes nothing. */
        IGNORED,
        /**
         * A 2xx to a REGISTER the endpoint gave up on, from a registrar it neither is registered with nor is
         * registering with now: the edge removes that binding at once (REGISTER in the same Call-ID, next
         * CSeq, Expires: 0), so that no registrar holds a binding the endpoint has left.
         */
        REMOVE_BINDING
    }
}
