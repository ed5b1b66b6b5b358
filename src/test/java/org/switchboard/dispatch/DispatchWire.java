package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Locale;
import javax.sip.RequestEvent;
import javax.sip.address.SipURI;
import javax.sip.message.Message;
import javax.sip.message.Request;
import org.switchboard.arquillian.sip.SipClient;

/** What the dispatch ITs read on the wire: which endpoint answered (its GRUU), and the echo endpoint's MESSAGE back. */
final class DispatchWire {

    static final Duration ANSWER = Duration.ofSeconds(10);
    static final String FROM_USER = "carol";

    private DispatchWire() {
    }

    /**
     * The GRUU in the Contact of {@code message}, checked to be {@code sip:<user>@example.com;gr=urn:uuid:…},
     * in a canonical form ({@code sip:user@host;gr=value}, host and value in lower case) fit for
     * comparison and usable as a To URI.
     */
    static String gruuOf(SipClient client, Message message, String user) throws Exception {
        String contact = SipClient.contactUri(message);
        assertThat(contact).as("Contact of\n%s", message).isNotNull();
        SipURI uri = (SipURI) client.addresses().createURI(contact);
        assertThat(uri.getUser()).as("Contact user in\n%s", message).isEqualTo(user);
        assertThat(uri.getHost()).as("Contact host in\n%s", message).isEqualToIgnoringCase("example.com");
        String gr = uri.getParameter("gr");
        assertThat(gr).as("gr parameter of the Contact in\n%s", message).isNotNull()
                .matches("(?i)urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        return "sip:" + uri.getUser() + "@" + uri.getHost().toLowerCase(Locale.ROOT) + ";gr=" + gr.toLowerCase(Locale.ROOT);
    }

    /** Answers 200 to the MESSAGE an echo endpoint sends back. */
    static void answerEcho(SipClient client) throws Exception {
        RequestEvent event = client.awaitRequest(ANSWER);
        assertThat(event.getRequest().getMethod()).isEqualTo(Request.MESSAGE);
        client.respond(event, 200);
    }
}
