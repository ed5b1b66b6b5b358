package org.switchboard.testing.beans.outbound;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.endpoint.OutboundRequest;

/**
 * Talks back inside a dialog: answers INVITE 200; a MESSAGE in that dialog is answered 200, then a MESSAGE
 * goes back to the caller in the same dialog and, once that is answered, a BYE with that answer in
 * {@code X-Answer}. A MESSAGE outside any dialog is answered 488 with the API's refusal as reason phrase.
 * Packed into its own jar by OutboundRequestInDialogIT.
 */
@Named("in-dialog")
@Dependent
public class InDialogEndpoint implements EndpointBehavior {

    @Override
    public void start(Endpoint endpoint) {
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        switch (request.method()) {
            case "INVITE" -> request.reply(200);
            case "MESSAGE" -> {
                OutboundRequest back;
                try {
                    back = request.newRequestInDialog("MESSAGE");
                } catch (IllegalStateException noDialog) {
                    request.reply(488, noDialog.getMessage());
                    return;
                }
                request.reply(200);
                back.body("text/plain", "still there?".getBytes(StandardCharsets.UTF_8))
                        .send()
                        .thenCompose(answer -> request.newRequestInDialog("BYE").header("X-Answer", answer.toString()).send());
            }
            default -> request.replyMethodNotAllowed("INVITE", "MESSAGE");
        }
    }
}
