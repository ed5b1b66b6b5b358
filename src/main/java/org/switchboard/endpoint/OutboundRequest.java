package org.switchboard.endpoint;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A request an endpoint is about to send; built fluently, then sent once.
 *
 * <pre>{@code
 * endpoint.newRequest("MESSAGE", target)
 *         .body("text/plain", bytes)
 *         .onProvisional(ringing -> log.info("peer says {}", ringing))
 *         .send()
 *         .whenComplete((response, failure) -> {
 *             if (failure instanceof NoResponseException none) { ... none.reason() ... }
 *             else { ... response.status(), response.header("Server") ... }
 *         });
 * }</pre>
 *
 * <p>The stage completes, and the listeners run, on the container's thread that received the answer (or on
 * the platform's timer thread when the fallback timeout fires): chain quick work on it, hand slow work to
 * an executor of your own with the {@code ...Async} variants, and never block an {@code onRequest} waiting
 * for it.
 */
public interface OutboundRequest {

    /**
     * Sets the To header (by default the target). Out-of-dialog requests only: inside a dialog, To is the
     * dialog's.
     *
     * @throws IllegalStateException on a request inside a dialog
     */
    OutboundRequest to(SipUri to);

    OutboundRequest header(String name, String value);

    OutboundRequest body(String contentType, byte[] content);

    /**
     * Hears the provisional (1xx) responses that reach the platform before the final one, each before the
     * stage completes. One that the container delivers after the final response (it may take the datagrams
     * of one transaction on several threads) is dropped. The listener must not wait for the stage: the final
     * response waits for it.
     */
    OutboundRequest onProvisional(Consumer<SipResponse> listener);

    /**
     * Sends it. The stage completes with the final response, whatever its status (a {@code 486} or the peer's
     * own {@code 408} included), or exceptionally with a {@link NoResponseException} saying whether the
     * transaction timed out or the request could not be sent. It always completes: when the container gives
     * no signal, a fallback timer ends it as a timeout (see the README's "Requests an endpoint sends").
     *
     * @throws IllegalStateException when it was sent already, or (a request inside a dialog) the dialog has ended
     * @throws IllegalArgumentException when a header or the body cannot be put on the request
     */
    CompletionStage<SipResponse> send();
}
