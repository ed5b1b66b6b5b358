package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Dnsmasq;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SippPeer;
import org.switchboard.testing.Stopping;

/**
 * A user endpoint's registration through the real container against real peers on 127.0.0.1: dnsmasq serves
 * the SRV record of the home pool's director (SIPp answering 301 with the primary at q=0.7 and the backup at
 * q=0.3); two more SIPp are the primary and backup registrars. The tests run in order on one server, as one
 * story: sign-in, failover, failback, restart with the cached primary. States and their times come from the
 * health JSON; the REGISTERs from the registrars' own logs. Intervals are short: expires 4 s (refresh after
 * 2 s), failure detection 3 s, fallback 3 s, probes every second.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistrationFailoverIT {

    private static final String ENDPOINT = "alice-desk";
    private static final Duration DETECTION = Duration.ofSeconds(3);
    private static final Duration FALLBACK = Duration.ofSeconds(3);
    private static final Duration PROBE = Duration.ofSeconds(1);

    @TempDir
    static Path work;

    private Dnsmasq dns;
    private SippPeer director;
    private SippPeer primary;
    private SippPeer backup;
    private int primaryPort;
    private RunningSwitchboard server;

    @BeforeAll
    void startPeersAndServer() throws Exception {
        int directorPort = FreePorts.udpAndTcp();
        primaryPort = FreePorts.udpAndTcp();
        int backupPort = FreePorts.udpAndTcp();
        dns = Dnsmasq.start(work, List.of(new Dnsmasq.Srv("_sip._udp.example.test", "127.0.0.1", directorPort, 10)), List.of("example.test"));
        primary = SippPeer.start(work, "primary", "registrar-uas.xml", primaryPort);
        backup = SippPeer.start(work, "backup", "registrar-uas.xml", backupPort);
        director = SippPeer.start(work, "director", "register-redirect-uas.xml", directorPort, "-key", "contacts",
                "<" + primary.uri() + ">;q=0.7, <" + backup.uri() + ">;q=0.3");
        server = launch().start();
    }

    private RunningSwitchboard.Launch launch() throws Exception {
        return RunningSwitchboard.in(work.resolve("sb")).configText("""
                registration:
                  enabled: true
                  srv-domain: example.test
                  dns-server: "%s"
                  expires-seconds: 4
                  failure-detection-seconds: %d
                  fallback-seconds: %d
                  probe-interval-seconds: %d
                endpoints:
                  - {aor: "sip:alice@example.test", kind: user, epid: desk, bean: echo, register: true}
                  - {aor: "sip:bob@example.test", kind: user, epid: desk, bean: echo}
                """.formatted(dns.address(), DETECTION.toSeconds(), FALLBACK.toSeconds(), PROBE.toSeconds()) + AdminLogin.configSection());
    }

    @AfterAll
    void stopEverything() throws Exception {
        Stopping.all(server, director, primary, backup, dns);
    }

    @Test
    @Order(1)
    void the_first_sign_in_asks_srv_follows_the_301_and_registers_with_the_primary() throws Exception {
        RegistrationHealth health = RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20),
                h -> h.is("REGISTERED", primary.uri()));

        assertThat(health.primary()).isEqualTo(primary.uri());
        assertThat(health.backup()).isEqualTo(backup.uri());
        assertThat(health.hasEvent("REDIRECTED")).as("%s", health).isTrue();
        assertThat(director.lines("REGISTER ")).as(director.describe()).first().asString()
                .startsWith("REGISTER sip:127.0.0.1:" + director.port() + ";transport=udp");
        String register = primary.lines("REGISTER ").get(0);
        assertThat(register).as("Request-URI, To, Contact (the endpoint's GRUU) and Expires on the wire")
                .startsWith("REGISTER " + primary.uri() + " ")
                .contains("to=sip:alice@example.test ")
                .containsPattern("contact=sip:alice@example\\.test;gr=urn:uuid:[0-9a-f-]{36} ")
                .endsWith("expires=4");
        assertThat(RegistrationHealth.of(server, "bob-desk").entry().isEmpty()).as("an endpoint without register: true does not register")
                .isTrue();
    }

    @Test
    @Order(2)
    void the_registration_is_refreshed_before_it_expires() throws Exception {
        int before = primary.lines("REGISTER ").size();
        Thread.sleep(4_500); // a little over one expiry: at least two refreshes (every 2 s) must come
        assertThat(primary.lines("REGISTER ").size() - before).as(primary.describe()).isGreaterThanOrEqualTo(2);
        assertThat(RegistrationHealth.of(server, ENDPOINT).state()).isEqualTo("REGISTERED");
    }

    @Test
    @Order(3)
    void when_the_primary_goes_away_the_endpoint_registers_with_the_backup_after_the_detection_interval() throws Exception {
        primary.close();
        RegistrationHealth health = RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20),
                h -> h.is("REGISTERED_BACKUP", backup.uri()));

        Duration failover = Duration.between(health.entered("PRIMARY_FAILING"), health.entered("REGISTERED_BACKUP"));
        assertThat(failover).as("from the first failure to registered with the backup: %s", health)
                .isGreaterThanOrEqualTo(DETECTION).isLessThan(DETECTION.plus(PROBE).plusSeconds(1));
        assertThat(backup.lines("REGISTER ")).as(backup.describe()).isNotEmpty()
                .allSatisfy(line -> assertThat(line).startsWith("REGISTER " + backup.uri() + " ").contains("to=sip:alice@example.test "));
    }

    @Test
    @Order(4)
    void when_the_primary_returns_the_endpoint_fails_back_after_the_fallback_interval() throws Exception {
        primary = SippPeer.start(work, "primary-again", "registrar-uas.xml", primaryPort);
        RegistrationHealth health = RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20), h -> h.is("REGISTERED", primary.uri()));

        Duration fallingBack = Duration.between(health.entered("FALLING_BACK"), health.entered("REGISTERED"));
        assertThat(fallingBack).as("from the first answered probe to failback: %s", health)
                .isGreaterThanOrEqualTo(FALLBACK).isLessThan(FALLBACK.plus(PROBE).plusSeconds(2));
        assertThat(primary.lines("OPTIONS ")).as("the primary was probed: %s", primary.describe()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(backup.lines("REGISTER ")).as("the backup is left (Expires: 0)").last().asString().endsWith("expires=0");
    }

    @Test
    @Order(5)
    void a_restart_registers_with_the_cached_primary_without_asking_the_director() throws Exception {
        server.terminate(Duration.ofSeconds(30));
        int directorRegisters = director.lines("REGISTER ").size();
        int primaryRegisters = primary.lines("REGISTER ").size();

        server = launch().start(); // the same data directory, so the same database
        RegistrationHealth health = RegistrationHealth.await(server, ENDPOINT, Duration.ofSeconds(20), h -> h.is("REGISTERED", primary.uri()));

        assertThat(health.hasEvent("CACHE_USED")).as("%s", health).isTrue();
        assertThat(health.events()).extracting(RegistrationHealth.Event::to).doesNotContain("DISCOVERING");
        assertThat(health.backup()).isEqualTo(backup.uri());
        assertThat(director.lines("REGISTER ")).as("no REGISTER reached the director").hasSize(directorRegisters);
        assertThat(primary.lines("REGISTER ").size()).isGreaterThan(primaryRegisters);
    }
}
