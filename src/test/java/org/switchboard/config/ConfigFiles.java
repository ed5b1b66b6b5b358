package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Configuration files for tests in a temporary directory, and the one-line refusal every bad one gets. */
final class ConfigFiles {

    private final Path dir;
    private final ConfigLoader loader = new ConfigLoader();

    ConfigFiles(Path dir) {
        this.dir = dir;
    }

    Path file(String yaml) throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    SwitchboardConfig load(String yaml) throws IOException {
        return loader.load(file(yaml));
    }

    /** Loading {@code yaml} stops with one line naming the file and {@code key}, its problem containing {@code problemPart}. */
    void assertRefused(String yaml, String key, String problemPart) throws IOException {
        Path file = file(yaml);
        assertThatThrownBy(() -> loader.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.problem()).contains(problemPart);
            assertThat(e.getMessage()).startsWith("Configuration error in " + file + " at key '" + key + "': ").doesNotContain("\n");
        });
    }
}
