package org.switchboard.dispatch.routing;

import java.util.Objects;
import java.util.Optional;
import org.switchboard.endpoint.ConversationId;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;

/**
 * The facts of an incoming request that the routing rules look at, read off the wire by the servlet.
 *
 * @param method the request method, such as {@code MESSAGE}
 * @param initial whether the request starts a dialog or stands alone, as opposed to one inside a dialog
 * @param applicationAor the URI of the {@code Ms-Application-Aor} header
 * @param to the To URI
 * @param endpointId the epid the request targets: the To header's {@code epid} parameter; when absent,
 *     filled from an {@code epid} parameter of the To URI
 * @param conversationId the {@code Ms-Conversation-ID} header
 * @param from the From URI
 */
public record IncomingRequest(
        String method,
        boolean initial,
        Optional<SipUri> applicationAor,
        SipUri to,
        Optional<EndpointId> endpointId,
        Optional<ConversationId> conversationId,
        SipUri from) {

    private static final String EPID = "epid";

    /**
     * @throws IllegalArgumentException when the method is not a token, or the To URI's epid is malformed
     *     or disagrees with the To header's
     */
    public IncomingRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(applicationAor, "applicationAor");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(endpointId, "endpointId");
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(from, "from");
        if (method.isEmpty() || !method.chars().allMatch(IncomingRequest::isTokenChar)) {
            throw new IllegalArgumentException("invalid method '" + method.replaceAll("\\p{Cntrl}", "?") + "'");
        }
        Optional<EndpointId> inUri = to.parameter(EPID).map(p -> new EndpointId(p.value()
                .orElseThrow(() -> new IllegalArgumentException("epid parameter without a value in To URI " + to))));
        if (endpointId.isPresent() && inUri.isPresent() && !endpointId.equals(inUri)) {
            throw new IllegalArgumentException("To header epid " + endpointId.get() + " disagrees with To URI " + to);
        }
        endpointId = endpointId.or(() -> inUri);
    }

    private static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-.!%*_+`'~".indexOf(c) >= 0;
    }
}
