package org.switchboard.testing.presencebeans;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.presence.Ordering;
import org.switchboard.presence.PresenceDocumentException;
import org.switchboard.presence.PresenceListener;
import org.switchboard.presence.PresenceStore;

/**
 * A test endpoint that hands every NOTIFY body to the presence store (the presentity is the From
 * AOR, as in a NOTIFY from a presence server), answers 200 with the outcomes as text, and writes every
 * update its listener sees to {@code log-file}: "presentity category publishTimeMicros digest".
 */
@Named("presence-feed")
@Dependent
public class PresenceFeedEndpoint implements EndpointBehavior {

    public record Settings(String logFile) {
    }

    private PresenceStore store;
    private PresenceListener listener;
    private Writer log;

    @Override
    public void start(Endpoint endpoint) {
        Path file = Path.of(endpoint.settings(Settings.class).logFile());
        try {
            log = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store = endpoint.presenceStore();
        listener = update -> {
            synchronized (this) {
                try {
                    log.write(update.presentity() + " " + update.category() + " " + update.publishTime().epochMicros()
                            + " " + update.digest() + "\n");
                    log.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        store.addListener(listener);
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        if (!"NOTIFY".equals(request.method())) {
            request.reply(405, "Method Not Allowed");
            return;
        }
        try {
            List<Ordering> outcomes = store.offer(Aor.of(request.from()), request.contentType().orElse(""), request.text());
            request.reply(200, "OK", "text/plain", outcomes.stream().map(Enum::name).collect(Collectors.joining(",")));
        } catch (PresenceDocumentException e) {
            request.reply(400, "Bad Presence Document");
        }
    }

    @Override
    public void stop() {
        store.removeListener(listener);
        synchronized (this) {
            try {
                log.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
