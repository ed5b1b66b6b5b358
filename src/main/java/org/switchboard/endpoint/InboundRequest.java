package org.switchboard.endpoint;

import java.io.IOException;
import java.util.Optional;

/** A request delivered to an endpoint. Every reply carries the endpoint's GRUU in Contact. */
public interface InboundRequest {

    String method();

    SipUri requestUri();

    SipUri from();

    SipUri to();

    /** The sender's Contact URI, if it sent one. */
    Optional<SipUri> contact();

    Optional<String> header(String name);

    Optional<ConversationId> conversationId();

    Optional<String> contentType();

    byte[] content();

    /** The body decoded as UTF-8 (empty when there is none). */
    String text();

    /** The endpoint this request was delivered to. */
    Endpoint endpoint();

    void reply(int status) throws IOException;

    void reply(int status, String reasonPhrase) throws IOException;

    void reply(int status, String reasonPhrase, String contentType, String body) throws IOException;

    /**
     * A new request from this endpoint inside the dialog this request belongs to: a MESSAGE back in the same
     * session, a BYE. The dialog sets Call-ID, From, To, tags, CSeq, route set and Request-URI (the peer's
     * Contact). The request may be kept and used later, as long as the dialog lasts; its answer comes back
     * as {@link OutboundRequest#send()} says.
     *
     * @throws IllegalStateException when there is no such dialog: the request did not create one (an
     *     out-of-dialog MESSAGE or OPTIONS) or was not answered with one yet, or it has ended
     */
    OutboundRequest newRequestInDialog(String method);

    /**
     * Answers {@code 405 Method Not Allowed} with an {@code Allow} header listing the methods this endpoint
     * handles: the answer to a method an endpoint does not handle.
     */
    void replyMethodNotAllowed(String... allowed) throws IOException;

    /**
     * Hands this request to the endpoint owning {@code target}, which answers it (for a default
     * routing endpoint's own dispatch rules). If no endpoint owns it, or several do, the request is
     * answered 404 or 485 here.
     */
    void redispatch(Aor target) throws IOException;
}
