package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run-time changes kept next to the configuration file and applied over it at start (issue 19). */
class ConfigOverlayTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path config(String yaml) throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void the_overlay_sits_next_to_the_file() {
        assertThat(ConfigOverlay.of(Path.of("conf", "switchboard.yaml"))).isEqualTo(Path.of("conf", "switchboard.changes.yaml"));
        assertThat(ConfigOverlay.of(Path.of("conf", "sb.yml"))).isEqualTo(Path.of("conf", "sb.changes.yaml"));
    }

    @Test
    void changes_written_are_applied_over_the_file_at_the_next_load_and_the_file_is_untouched() throws IOException {
        String original = "# the operator's comment\npresence:\n  views:\n    retry-jitter: 0.1\n    retry-delays-seconds: [5, 15, 30]\n";
        Path file = config(original);
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("presence.views.retry-jitter", "0.35");
        changes.put("presence.views.retry-delays-seconds", "[2,4]");

        ConfigOverlay.write(ConfigOverlay.of(file), file, changes);
        SwitchboardConfig config = loader.load(file);

        assertThat(config.presence().views().retryJitter()).isEqualTo(0.35);
        assertThat(config.presence().views().retryDelaysSeconds()).containsExactly(2, 4);
        assertThat(Files.readString(file)).isEqualTo(original);
        assertThat(loader.readOverlay(ConfigOverlay.of(file))).containsExactlyEntriesOf(changes);
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
                    .containsExactlyInAnyOrder("switchboard.yaml", "switchboard.changes.yaml");
        }
    }

    @Test
    void a_rewrite_replaces_the_whole_overlay() throws IOException {
        Path file = config("");
        ConfigOverlay.write(ConfigOverlay.of(file), file, Map.of("presence.views.retry-jitter", "0.2"));
        ConfigOverlay.write(ConfigOverlay.of(file), file, Map.of("dispatch.conversation-idle-seconds", "90"));

        SwitchboardConfig config = loader.load(file);

        assertThat(config.presence().views().retryJitter()).isEqualTo(SwitchboardConfig.defaults().presence().views().retryJitter());
        assertThat(config.dispatch().conversationIdleSeconds()).isEqualTo(90);
    }

    @Test
    void a_bad_overlay_stops_the_start_naming_the_overlay_and_its_key() throws IOException {
        Path file = config("");
        Path overlay = ConfigOverlay.of(file);
        Files.writeString(overlay, "presence.views.retry-jitter: 7\n");
        assertThatThrownBy(() -> loader.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.file()).isEqualTo(overlay);
            assertThat(e.key()).isEqualTo("presence.views.retry-jitter");
            assertThat(e.getMessage()).doesNotContain("\n");
        });
        Files.writeString(overlay, "presence.views.retry-jitterr: 0.2\n");
        assertThatThrownBy(() -> loader.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.file()).isEqualTo(overlay);
            assertThat(e.key()).isEqualTo("presence.views.retry-jitterr");
        });
    }

    @Test
    void an_error_in_the_file_itself_still_names_the_file() throws IOException {
        Path file = config("presence:\n  views:\n    retry-jitter: 9\n");
        ConfigOverlay.write(ConfigOverlay.of(file), file, Map.of("presence.views.retry-jitter", "0.2"));
        assertThatThrownBy(() -> loader.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.file()).isEqualTo(file));
    }

    @Test
    void an_overlay_that_cannot_be_written_leaves_the_old_one() throws IOException {
        Path file = config("");
        Path overlay = ConfigOverlay.of(file);
        ConfigOverlay.write(overlay, file, Map.of("presence.views.retry-jitter", "0.2"));
        Path blocked = dir.resolve(".switchboard.changes.yaml.tmp");
        Files.createDirectory(blocked); // the temporary file's name is taken by a directory: the write fails
        Files.writeString(blocked.resolve("x"), "x");

        assertThatThrownBy(() -> ConfigOverlay.write(overlay, file, Map.of("presence.views.retry-jitter", "0.3")))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining(overlay.toString());
        assertThat(loader.readOverlay(overlay)).containsExactlyEntriesOf(Map.of("presence.views.retry-jitter", "0.2"));
        assertThat(List.of(loader.load(file).presence().views().retryJitter())).containsExactly(0.2);
    }
}
