package org.switchboard.registration;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import org.switchboard.arquillian.sip.SipClient;

/**
 * A registrar on 127.0.0.1 over UDP (a JAIN-SIP user agent) that can fall silent and come back. Silent, it
 * records every REGISTER and OPTIONS that arrives and answers none, so the sender's SIP stack retransmits
 * them; answering, it answers each one 200, retransmissions of requests it ignored included. Every arrival
 * is recorded with its time, Call-ID, CSeq and Expires, which is what a registrar's bindings follow.
 */
final class LateRegistrar implements AutoCloseable {

    /**
     * One request as it arrived; {@code expires} from the Expires header, else the Contact's parameter, else -1;
     * {@code toUser} the user part of the To URI.
     */
    record Arrival(Instant at, String method, String callId, long cseq, int expires, boolean answered, String toUser) {
    }

    private final SipClient sip;
    private final Thread loop;
    private final List<Arrival> arrivals = new ArrayList<>();
    private volatile boolean answering = true;
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private volatile boolean open = true;

    private LateRegistrar(SipClient sip) {
        this.sip = sip;
        this.loop = new Thread(this::serve, "late-registrar-" + sip.port());
        loop.setDaemon(true);
        loop.start();
    }

    static LateRegistrar start() throws Exception {
        return new LateRegistrar(SipClient.udp());
    }

    String uri() {
        return "sip:127.0.0.1:" + sip.port() + ";transport=udp";
    }

    /** From now on, nothing is answered. */
    void fallSilent() {
        answering = false;
    }

    /** From now on, everything is answered 200. */
    void answer() {
        answering = true;
    }

    /** From now on, a REGISTER for {@code user} (the To URI's user part) is answered 403: nothing accepts it here. */
    void refuse(String user) {
        refused.add(user);
    }

    synchronized List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    private void serve() {
        while (open) {
            RequestEvent event;
            try {
                event = sip.awaitRequest(Duration.ofMillis(200));
            } catch (AssertionError nothingYet) {
                continue;
            } catch (InterruptedException e) {
                return;
            }
            boolean answered = answering;
            record(event.getRequest(), answered);
            if (answered) {
                try {
                    boolean refuse = event.getRequest().getMethod().equals(Request.REGISTER) && refused.contains(toUser(event.getRequest()));
                    sip.respond(event, refuse ? 403 : 200);
                } catch (Exception e) {
                    // a retransmission that raced its own server transaction: the stack answers it
                }
            }
        }
    }

    private synchronized void record(Request request, boolean answered) {
        ExpiresHeader expiresHeader = (ExpiresHeader) request.getHeader(ExpiresHeader.NAME);
        ContactHeader contact = (ContactHeader) request.getHeader(ContactHeader.NAME);
        int expires = expiresHeader != null ? expiresHeader.getExpires() : contact != null ? contact.getExpires() : -1;
        arrivals.add(new Arrival(Instant.now(), request.getMethod(), ((CallIdHeader) request.getHeader(CallIdHeader.NAME)).getCallId(),
                ((CSeqHeader) request.getHeader(CSeqHeader.NAME)).getSeqNumber(), expires, answered, toUser(request)));
    }

    private static String toUser(Request request) {
        return ((SipURI) ((ToHeader) request.getHeader(ToHeader.NAME)).getAddress().getURI()).getUser();
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("registrar " + uri() + " received:");
        arrivals().forEach(a -> text.append("\n  ").append(a));
        return text.toString();
    }

    @Override
    public void close() throws InterruptedException {
        open = false;
        loop.join(2_000);
        sip.close();
    }
}
