package org.switchboard.endpoint.builtin;

import jakarta.enterprise.context.Dependent;
import jakarta.inject.Named;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.Endpoint;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.InboundRequest;
import org.switchboard.presence.PresenceStore;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.view.PresenceNotification;
import org.switchboard.presence.view.PresenceViewListener;
import org.switchboard.presence.view.RemotePresenceView;
import org.switchboard.presence.view.ViewMode;

/**
 * {@code bean: presence-monitor} — keeps a presence view on the targets listed in its settings and hands
 * every notification on to the platform's presence store (which keeps presence in publish-time order
 * across pools). Usable without writing Java.
 */
@Named("presence-monitor")
@Dependent
public class PresenceMonitorEndpoint implements EndpointBehavior {

    /**
     * {@code settings:} of a presence monitor.
     *
     * @param targets                the SIP URIs to watch
     * @param mode                   {@code persistent} (default) or {@code polling}
     * @param periodicRefreshSeconds also force a refresh of every target this often; 0 (default) never
     */
    public record Settings(List<String> targets, String mode, Integer periodicRefreshSeconds) {
        public Settings {
            targets = targets == null ? List.of() : List.copyOf(targets);
            mode = mode == null ? "persistent" : mode.trim().toLowerCase(Locale.ROOT);
            if (!mode.equals("persistent") && !mode.equals("polling")) {
                throw new IllegalArgumentException("mode must be persistent or polling, found '" + mode + "'");
            }
            periodicRefreshSeconds = periodicRefreshSeconds == null ? 0 : periodicRefreshSeconds;
            if (periodicRefreshSeconds < 0) {
                throw new IllegalArgumentException("periodic-refresh-seconds must be 0 (off) or more, found " + periodicRefreshSeconds);
            }
            for (String target : targets) {
                try {
                    Aor.parse(target);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("target '" + target + "' is not a SIP URI: " + e.getMessage(), e);
                }
            }
        }
    }

    private RemotePresenceView view;

    @Override
    public void start(Endpoint endpoint) {
        Settings settings = endpoint.settings(Settings.class);
        PresenceStore store = endpoint.presenceStore();
        view = endpoint.createPresenceView("polling".equals(settings.mode()) ? ViewMode.POLLING : ViewMode.PERSISTENT,
                new PresenceViewListener() {
                    @Override
                    public void onNotification(PresenceNotification notification) {
                        for (PresenceUpdate update : notification.updates()) {
                            store.offer(update);
                        }
                    }
                });
        List<Aor> targets = new ArrayList<>();
        for (String target : settings.targets()) {
            targets.add(Aor.parse(target));
        }
        view.refreshEvery(Duration.ofSeconds(settings.periodicRefreshSeconds()));
        view.addTargets(targets);
    }

    @Override
    public void onRequest(InboundRequest request) throws IOException {
        switch (request.method()) {
            case "OPTIONS" -> request.reply(200);
            case "NOTIFY" -> request.reply(481, "Subscription Does Not Exist");
            default -> request.replyMethodNotAllowed("OPTIONS", "NOTIFY");
        }
    }

    @Override
    public void stop() {
        if (view != null) {
            view.close();
        }
    }
}
