package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool section. */
class PoolConfigTest {

    private static final String POSTGRES = "storage:\n  database:\n    url: jdbc:postgresql://127.0.0.1:5432/switchboard\n";

    @TempDir
    Path dir;

    private ConfigFiles files;

    @BeforeEach
    void files() {
        files = new ConfigFiles(dir);
    }

    @Test
    void byDefaultAnInstanceIsNotInAPool() throws IOException {
        PoolSettings pool = files.load("").pool();
        assertThat(pool.enabled()).isFalse();
        assertThat(pool.leaseSeconds()).isEqualTo(10);
        assertThat(pool.renewSeconds()).isEqualTo(3);
        assertThat(pool.clockSkewMillis()).isEqualTo(1000);
        assertThat(pool.claimsPerRenewal()).isEqualTo(2000);
    }

    @Test
    void aPoolOnASharedDatabaseLoadsWithItsTimings() throws IOException {
        PoolSettings pool = files.load(POSTGRES + "pool:\n  enabled: true\n  lease-seconds: 20\n  renew-seconds: 5\n"
                + "  clock-skew-millis: 500\n  claims-per-renewal: 100\n").pool();
        assertThat(pool).isEqualTo(new PoolSettings(true, 20, 5, 500, 100));
    }

    @Test
    void aPoolOnTheEmbeddedDatabaseIsRefused() throws IOException {
        files.assertRefused("pool:\n  enabled: true\n", "pool.enabled", "set storage.database.url");
    }

    @Test
    void aPoolWithTheXmppBridgeIsAccepted() throws IOException {
        assertThat(files.load(POSTGRES + "pool:\n  enabled: true\nbridge:\n  enabled: true\n  component-secret: s\n").bridge().enabled())
                .isTrue();
    }

    @Test
    void aPoolsBridgeKeepsItsSubscriptionsInTheDatabase() throws IOException {
        files.assertRefused(POSTGRES + "pool:\n  enabled: true\npersistence:\n  enabled: false\nbridge:\n  enabled: true\n"
                + "  component-secret: s\n", "persistence.enabled", "shared database");
    }

    @Test
    void renewalsMustFitTwiceIntoALease() throws IOException {
        files.assertRefused("pool:\n  lease-seconds: 10\n  renew-seconds: 6\n", "pool.renew-seconds", "at most half");
    }

    @Test
    void theClockSkewMustLeaveTimeToAct() throws IOException {
        files.assertRefused("pool:\n  clock-skew-millis: 4000\n", "pool.clock-skew-millis", "below half");
        files.assertRefused("pool:\n  clock-skew-millis: -1\n", "pool.clock-skew-millis", "at least 0");
    }

    @Test
    void aLeaseOfZeroSecondsIsRefused() throws IOException {
        files.assertRefused("pool:\n  lease-seconds: 0\n", "pool.lease-seconds", "");
    }
}
