package org.switchboard.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Where changes made at run time (over JMX) are kept so that they survive a restart: a file next to the configuration
 * file, {@code <name>.changes.yaml}, holding one dotted key per line ({@code presence.views.retry-jitter: 0.3}). The
 * configuration file itself is never rewritten, so its comments and layout stay the operator's; at start the overlay
 * is applied over it (see {@link ConfigLoader#load}). Written whole each time, atomically: a temporary file in the same
 * directory, forced to disk, then renamed over the old one, so a crash leaves the old overlay or the new, never half.
 */
public final class ConfigOverlay {

    private ConfigOverlay() {
    }

    /** {@code deploy/switchboard.yaml} → {@code deploy/switchboard.changes.yaml}. */
    public static Path of(Path configFile) {
        String name = configFile.getFileName().toString();
        String base = name.endsWith(".yaml") ? name.substring(0, name.length() - 5) : name.endsWith(".yml") ? name.substring(0, name.length() - 4) : name;
        return configFile.resolveSibling(base + ".changes.yaml");
    }

    /**
     * Writes {@code values} (dotted key → value as YAML flow text, e.g. {@code 0.3} or {@code [5, 15]}) as the whole
     * overlay of {@code configFile}.
     *
     * @throws UncheckedIOException when it cannot be written; the old overlay is then left as it was
     */
    public static void write(Path overlay, Path configFile, Map<String, String> values) {
        StringBuilder text = new StringBuilder()
                .append("# Changes made at run time (over JMX) to ").append(configFile.getFileName())
                .append("; applied over it at every start.\n")
                .append("# Written by Switchboard. Delete a line to go back to the configuration file's value.\n");
        values.forEach((key, value) -> text.append(key).append(": ").append(value).append('\n'));
        Path temporary = overlay.resolveSibling("." + overlay.getFileName() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            try {
                Files.move(temporary, overlay, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, overlay, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // the temporary file is hidden and rewritten next time
            }
            throw new UncheckedIOException("cannot write " + overlay + ": " + e.getMessage(), e);
        }
    }
}
