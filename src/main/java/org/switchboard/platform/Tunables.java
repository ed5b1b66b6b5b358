package org.switchboard.platform;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.ConfigOverlay;
import org.switchboard.config.PresenceSettings;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.dispatch.routing.ConversationRegistry;
import org.switchboard.presence.view.PresenceViews;
import org.switchboard.presence.view.ViewPolicy;
import org.switchboard.subscription.Recovery;

/**
 * The configuration in force, and the keys an operator may change while the platform runs. A change is
 * validated exactly like the file (same rules, same one-line errors), kept in the overlay next to the file
 * ({@link ConfigOverlay}) so that it survives a restart, and then handed to the live object that reads it; every
 * other key needs a restart.
 */
public final class Tunables {

    private static final Logger LOG = LoggerFactory.getLogger(Tunables.class);

    /** Keys whose new value takes effect at once. */
    public static final Set<String> WRITABLE = Set.of(
            "presence.views.retry-delays-seconds",
            "presence.views.retry-jitter",
            "presence.views.reestablish-initial-seconds",
            "presence.views.reestablish-max-seconds",
            "presence.views.polling-interval-seconds",
            "presence.views.bulk-subscribes-per-second",
            "persistence.recovery-batch-size",
            "persistence.recovery-batch-interval-seconds",
            "dispatch.conversation-idle-seconds");

    /** Where a change made at run time is said to come from, in error lines. */
    static final Path ORIGIN = Path.of("JMX");

    private final ConfigLoader loader = new ConfigLoader();
    private final PresenceViews views;
    private final Optional<Recovery> recovery;
    private final ConversationRegistry conversations;
    private volatile SwitchboardConfig current;
    private final Path configFile;
    /** The run-time changes kept next to the configuration file ({@link ConfigOverlay}), so they survive a restart. */
    private final Path overlay;
    private final Map<String, String> changes = new LinkedHashMap<>();

    Tunables(SwitchboardConfig config, PresenceViews views, Optional<Recovery> recovery, ConversationRegistry conversations,
            Path configFile) {
        this.current = config;
        this.views = views;
        this.recovery = recovery;
        this.conversations = conversations;
        this.configFile = configFile;
        this.overlay = ConfigOverlay.of(configFile);
        if (Files.exists(overlay)) {
            changes.putAll(loader.readOverlay(overlay)); // read (and validated) at start: what a restart applied
            LOG.info("Configuration: {} value(s) changed at run time earlier, from {}, apply over {}: {}", changes.size(), overlay,
                    configFile, changes.keySet());
        }
    }

    /** The configuration in force: the file's, with the changes made since start. */
    public SwitchboardConfig current() {
        return current;
    }

    /**
     * Changes one writable key; the value is written as in the file ({@code 0.3}, {@code [5, 10]}).
     *
     * @throws IllegalArgumentException when the key cannot change without a restart
     * @throws ConfigException          when the value is refused, naming the key and why
     */
    public synchronized void change(String key, String value) {
        if (!WRITABLE.contains(key)) {
            throw new IllegalArgumentException(key + " is read-only: a change needs a restart (edit the configuration file)");
        }
        if (key.startsWith("persistence.recovery-") && recovery.isEmpty()) {
            throw new IllegalArgumentException(key + " has no effect: persistence is disabled");
        }
        SwitchboardConfig changed = loader.change(current, ORIGIN, key, value);
        String written = loader.valueOf(changed, key).toString();
        Map<String, String> kept = new LinkedHashMap<>(changes);
        kept.put(key, written);
        try {
            ConfigOverlay.write(overlay, configFile, kept); // first, so a change that cannot be kept is not made
        } catch (UncheckedIOException e) {
            throw new IllegalArgumentException(key + " not changed: " + e.getMessage(), e);
        }
        changes.put(key, written);
        apply(changed);
        current = changed;
        LOG.info("Configuration changed at run time: {} = {} (kept in {})", key, written, overlay);
    }

    private void apply(SwitchboardConfig config) {
        PresenceSettings.ViewSettings settings = config.presence().views();
        views.setPolicy(viewPolicy(settings));
        views.setBulkSubscribesPerSecond(settings.bulkSubscribesPerSecond());
        recovery.ifPresent(r -> {
            r.setBatchSize(config.persistence().recoveryBatchSize());
            r.setInterval(Duration.ofSeconds(config.persistence().recoveryBatchIntervalSeconds()));
        });
        conversations.setIdleTimeout(Duration.ofSeconds(config.dispatch().conversationIdleSeconds()));
    }

    static ViewPolicy viewPolicy(PresenceSettings.ViewSettings settings) {
        List<Duration> delays = settings.retryDelaysSeconds().stream().map(Duration::ofSeconds).toList();
        return new ViewPolicy(Duration.ofSeconds(settings.expiresSeconds()), delays, settings.retryJitter(),
                Duration.ofSeconds(settings.reestablishInitialSeconds()), Duration.ofSeconds(settings.reestablishMaxSeconds()),
                Duration.ofSeconds(settings.pollingIntervalSeconds()));
    }
}
