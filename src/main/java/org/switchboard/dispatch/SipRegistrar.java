package org.switchboard.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Optional;
import javax.servlet.ServletException;
import javax.servlet.sip.Address;
import javax.servlet.sip.SipApplicationSession;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServletRequest;
import javax.servlet.sip.SipServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.SipUri;
import org.switchboard.registration.ContactChoice;
import org.switchboard.registration.RegisterSender;

/**
 * The SIP edge of one endpoint's registration: REGISTER to a registrar (Request-URI the registrar, From and
 * To the endpoint's AOR, Contact its GRUU, Expires) and OPTIONS probes, each in its own application session.
 * Answers come back through {@link DispatcherServlet#doResponse} (a transaction timeout as 408); a request
 * that cannot be sent (such as a refused TCP connection) is answered 503 at once. When the registration
 * judges a 2xx stale ({@link RegisterSender.Verdict#REMOVE_BINDING}), the binding is removed in the same
 * SIP session: same Call-ID, next CSeq, Expires: 0.
 */
final class SipRegistrar implements RegisterSender {

    private static final Logger LOG = LoggerFactory.getLogger(SipRegistrar.class);
    /** On each request sent: who waits for its answer. */
    static final String ATTEMPT = SipRegistrar.class.getName() + ".attempt";

    private final SipFactory factory;
    private final HostedEndpoint from;
    private final EndpointHost host;
    private final RegisterSender.Wire wire;

    /** What a request sent was for. */
    enum Purpose { REGISTER, PROBE, REMOVE_STALE_BINDING }

    /** Who waits for the answer to one request. */
    record Attempt(SipRegistrar registrar, long requestId, Purpose purpose) {
    }

    SipRegistrar(SipFactory factory, HostedEndpoint from, EndpointHost host, RegisterSender.Wire wire) {
        this.factory = factory;
        this.from = from;
        this.host = host;
        this.wire = wire;
    }

    @Override
    public void register(SipUri registrar, Duration expires, long requestId) {
        try {
            SipServletRequest request = newRequest("REGISTER", registrar, Purpose.REGISTER, requestId);
            request.setAddressHeader("Contact", host.contacts().address(from));
            request.setExpires((int) Math.min(Integer.MAX_VALUE, expires.toSeconds()));
            request.send();
        } catch (ServletException | java.io.IOException | RuntimeException e) {
            LOG.warn("Cannot send REGISTER of {} to {}: {}", from.name(), registrar, e.toString());
            wire.onRegisterAnswer(requestId, SipServletResponse.SC_SERVICE_UNAVAILABLE, Optional.empty(), List.of());
        }
    }

    @Override
    public void probe(SipUri registrar, long requestId) {
        try {
            newRequest("OPTIONS", registrar, Purpose.PROBE, requestId).send();
        } catch (ServletException | java.io.IOException | RuntimeException e) {
            LOG.debug("Cannot send OPTIONS of {} to {}: {}", from.name(), registrar, e.toString());
            wire.onProbeAnswer(requestId, SipServletResponse.SC_SERVICE_UNAVAILABLE);
        }
    }

    private SipServletRequest newRequest(String method, SipUri registrar, Purpose purpose, long requestId) throws ServletException {
        SipApplicationSession application = factory.createApplicationSession();
        application.setExpires(2); // minutes: one transaction, then it goes
        Address aor = factory.createAddress(from.owner().uri().toString());
        Address to = purpose == Purpose.PROBE ? factory.createAddress(registrar.toString()) : aor;
        SipServletRequest request = factory.createRequest(application, method, aor, to);
        request.setRequestURI(factory.createURI(registrar.toString()));
        request.setAttribute(ATTEMPT, new Attempt(this, requestId, purpose));
        return request;
    }

    /** The final answer to a request this registrar sent. */
    void handleResponse(Attempt attempt, SipServletResponse response) {
        int status = response.getStatus();
        switch (attempt.purpose()) {
            case PROBE -> wire.onProbeAnswer(attempt.requestId(), status);
            case REGISTER -> {
                if (wire.onRegisterAnswer(attempt.requestId(), status, granted(response), contacts(response))
                        == RegisterSender.Verdict.REMOVE_BINDING && removeBinding(attempt, response)) {
                    return; // the session lives on until the removal is answered
                }
            }
            case REMOVE_STALE_BINDING -> LOG.debug("{} answered {} to the removal of a stale binding of {}", response.getRequest().getRequestURI(),
                    status, from.name());
            default -> throw new IllegalStateException("unhandled " + attempt.purpose());
        }
        try {
            response.getApplicationSession().invalidate();
        } catch (IllegalStateException e) {
            // already gone
        }
    }

    /**
     * Removes the binding a stale 2xx made: a REGISTER in the accepted one's SIP session (so the same Call-ID
     * and the next CSeq, which a registrar orders after it) with the same Contact and Expires: 0. Whether it was sent.
     */
    private boolean removeBinding(Attempt accepted, SipServletResponse response) {
        try {
            SipServletRequest removal = response.getSession().createRequest("REGISTER");
            removal.setRequestURI(response.getRequest().getRequestURI());
            removal.setAddressHeader("Contact", host.contacts().address(from));
            removal.setExpires(0);
            removal.setAttribute(ATTEMPT, new Attempt(this, accepted.requestId(), Purpose.REMOVE_STALE_BINDING));
            removal.send();
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Cannot remove the stale binding of {} at {}: {}", from.name(), response.getRequest().getRequestURI(), e.toString());
            return false;
        }
    }

    /** The Expires header, else the first Contact's expires parameter. */
    private static Optional<Duration> granted(SipServletResponse response) {
        int expires = response.getExpires();
        if (expires >= 0) {
            return Optional.of(Duration.ofSeconds(expires));
        }
        try {
            Address contact = response.getAddressHeader("Contact");
            if (contact != null && contact.getExpires() >= 0) {
                return Optional.of(Duration.ofSeconds(contact.getExpires()));
            }
        } catch (javax.servlet.sip.ServletParseException e) {
            // no usable Contact: the Expires asked for stands
        }
        return Optional.empty();
    }

    /** A 3xx's SIP Contacts with their q-values; anything else (other schemes, unparsable) is left out. */
    private static List<ContactChoice> contacts(SipServletResponse response) {
        if (response.getStatus() < 300 || response.getStatus() >= 400) {
            return List.of();
        }
        List<ContactChoice> choices = new ArrayList<>();
        try {
            ListIterator<Address> addresses = response.getAddressHeaders("Contact");
            while (addresses.hasNext()) {
                Address address = addresses.next();
                if (address.getURI() != null && address.getURI().isSipURI()) {
                    try {
                        float q = address.getQ();
                        choices.add(new ContactChoice(SipUri.parse(address.getURI().toString()), q < 0 ? Optional.empty() : Optional.of(q)));
                    } catch (IllegalArgumentException e) {
                        LOG.debug("Contact {} of a {} left out: {}", address, response.getStatus(), e.getMessage());
                    }
                }
            }
        } catch (javax.servlet.sip.ServletParseException e) {
            LOG.warn("Unparsable Contact in a {} to {}: {}", response.getStatus(), response.getMethod(), e.getMessage());
        }
        return choices;
    }
}
