package org.switchboard.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real peers the integration tests drive (SIPp, Prosody, PostgreSQL, Kamailio, Chromium): where they are,
 * and what a test does when one is missing. Locally it is skipped with the line that says what to install; in CI
 * ({@code SWITCHBOARD_REQUIRE_PEERS} set to anything but {@code 0}, or {@code CI=true}) it fails, so a test that
 * silently did not run can never pass for one that did.
 */
public final class Peers {

    private Peers() {
    }

    /** Whether a missing peer fails the test instead of skipping it. */
    public static boolean required() {
        String require = System.getenv("SWITCHBOARD_REQUIRE_PEERS");
        return require != null && !require.isBlank() && !require.equals("0") || "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Skips (locally) or fails (in CI) the calling test unless {@code present}; {@code missing} says what to install. */
    public static void require(boolean present, String missing) {
        if (present) {
            return;
        }
        if (required()) {
            Assertions.fail(missing + " — required here (SWITCHBOARD_REQUIRE_PEERS or CI is set)");
        }
        Assumptions.assumeTrue(false, missing);
    }

    /** {@code command} on the PATH, else at {@code usual} when executable there. */
    public static Optional<Path> find(String command, Path usual) {
        Optional<Path> onPath = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, command)).filter(Files::isExecutable).findFirst();
        return onPath.isPresent() ? onPath : Optional.of(usual).filter(Files::isExecutable);
    }
}
