package org.example.echobot;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;

/** Answers a MESSAGE with 200 and "You said: " followed by its text; OPTIONS with 200. */
@Named("echo-bot")
@Dependent
public class EchoBot implements EndpointBehavior {

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        switch (request.method()) {
            case "MESSAGE" -> request.reply(200, "OK", "text/plain", "You said: " + request.text());
            case "OPTIONS" -> request.reply(200);
            default -> request.replyMethodNotAllowed("MESSAGE", "OPTIONS");
        }
    }
}
