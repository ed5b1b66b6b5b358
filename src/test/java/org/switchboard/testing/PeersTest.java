package org.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class PeersTest {

    @TempDir
    Path dir;

    @Test
    void a_present_peer_lets_the_test_run() {
        assertThatCode(() -> Peers.require(true, "x is not installed")).doesNotThrowAnyException();
    }

    /** CI sets SWITCHBOARD_REQUIRE_PEERS (.ci/run): there a missing peer fails; elsewhere it skips, saying what to install. */
    @Test
    void a_missing_peer_fails_where_peers_are_required_and_skips_elsewhere() {
        Class<? extends Throwable> expected = Peers.required() ? AssertionFailedError.class : TestAbortedException.class;
        assertThatThrownBy(() -> Peers.require(false, "x is not installed (apt-get install -y x)"))
                .isInstanceOf(expected).hasMessageContaining("apt-get install -y x");
    }

    @Test
    void a_peer_not_on_the_path_is_found_where_debian_puts_it() throws Exception {
        Path usual = Files.createFile(dir.resolve("peer-" + System.nanoTime()));
        assertThat(Peers.find(usual.getFileName().toString(), usual)).isEmpty(); // not executable
        assertThat(usual.toFile().setExecutable(true)).isTrue();
        assertThat(Peers.find(usual.getFileName().toString(), usual)).contains(usual);
    }
}
