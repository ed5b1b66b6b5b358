package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.DelayingUdpRelay;
import org.switchboard.testing.Dnsmasq;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.Stopping;

/**
 * Issue 17, through the real container: a DNS server that answers only after 3 s (dnsmasq behind a relay that holds
 * every query 3 s, so each SRV lookup waits out its 3 s limit) delays neither the OPTIONS answers nor another
 * endpoint's refreshes. {@code carol} is refused by the registrar, so her registration goes back to discovery after
 * every refusal and asks the slow DNS again and again; {@code alice} is accepted for 4 s at a time and must be
 * refreshed every 2 s meanwhile. Before the fix the lookups ran on the one timer thread every endpoint shares (and
 * on SIP threads): alice's refreshes waited behind carol's lookups.
 */
class SlowDnsRegistrationIT {

    private static final Duration DNS_DELAY = Duration.ofSeconds(3);
    private static final Duration WATCHED = Duration.ofSeconds(20);

    @TempDir
    Path work;

    @Test
    void slow_srv_lookups_of_one_endpoint_delay_neither_another_endpoints_refreshes_nor_options_answers() throws Exception {
        LateRegistrar registrar = LateRegistrar.start();
        registrar.refuse("carol");
        Dnsmasq dns = null;
        DelayingUdpRelay slow = null;
        RunningSwitchboard server = null;
        SipClient client = null;
        try {
            dns = Dnsmasq.start(work, List.of(new Dnsmasq.Srv("_sip._udp.example.test", "127.0.0.1", 9, 10)), List.of("example.test"));
            slow = DelayingUdpRelay.to(dns.port(), DNS_DELAY);
            // The SRV record names a port nothing answers on; the lookup times out first anyway, and discovery goes on
            // to the configured registrar.
            server = RunningSwitchboard.in(work.resolve("sb")).configText("""
                    registration:
                      enabled: true
                      srv-domain: example.test
                      dns-server: "%s"
                      servers: ["%s"]
                      expires-seconds: 4
                      failure-detection-seconds: 1
                      probe-interval-seconds: 1
                    endpoints:
                      - {aor: "sip:alice@example.test", kind: user, epid: desk, bean: echo, register: true}
                      - {aor: "sip:carol@example.test", kind: user, epid: desk, bean: echo, register: true}
                    """.formatted(slow.address(), registrar.uri()) + AdminLogin.configSection()).start();
            RegistrationHealth.await(server, "alice-desk", Duration.ofSeconds(30), h -> h.is("REGISTERED", registrar.uri()));
            client = SipClient.udp();

            int queriesBefore = slow.received();
            Instant from = Instant.now();
            List<Long> optionsMillis = new ArrayList<>();
            while (Duration.between(from, Instant.now()).compareTo(WATCHED) < 0) {
                Request options = client.requestTo(Request.OPTIONS, "sip:alice@example.test;epid=desk", "prober", server.sipPort());
                long sent = System.nanoTime();
                Response answer = client.send(options, Duration.ofSeconds(5));
                optionsMillis.add((System.nanoTime() - sent) / 1_000_000);
                assertThat(answer.getStatusCode()).isEqualTo(200);
                Thread.sleep(100);
            }
            Instant to = Instant.now();
            int queries = slow.received() - queriesBefore;

            List<Instant> aliceRegisters = registrar.arrivals().stream()
                    .filter(a -> a.method().equals("REGISTER") && a.toUser().equals("alice") && !a.at().isBefore(from) && !a.at().isAfter(to))
                    .map(LateRegistrar.Arrival::at).toList();
            long carolRefusals = registrar.arrivals().stream()
                    .filter(a -> a.method().equals("REGISTER") && a.toUser().equals("carol") && !a.at().isBefore(from) && !a.at().isAfter(to))
                    .count();
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < aliceRegisters.size(); i++) {
                gaps.add(Duration.between(aliceRegisters.get(i - 1), aliceRegisters.get(i)).toMillis());
            }
            long[] sorted = optionsMillis.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "slow DNS: %d queries held %d s each, carol refused %d times in %d s; alice's refreshes %d, "
                    + "gaps (ms) %s; OPTIONS %d answered, p50 %d ms, max %d ms%n", queries, DNS_DELAY.toSeconds(), carolRefusals,
                    WATCHED.toSeconds(), aliceRegisters.size(), gaps, sorted.length, sorted[sorted.length / 2], sorted[sorted.length - 1]);

            assertThat(queries).as("carol's discovery asked the slow DNS again and again").isGreaterThanOrEqualTo(3);
            assertThat(carolRefusals).as("carol was refused after each discovery").isGreaterThanOrEqualTo(2);
            assertThat(aliceRegisters).as("alice refreshed every 2 s: %s", registrar).hasSizeGreaterThanOrEqualTo(8);
            assertThat(gaps).as("no refresh of alice waited behind a lookup: %s", registrar).allMatch(gap -> gap < 2_900);
            assertThat(sorted[sorted.length - 1]).as("no OPTIONS answer waited behind a lookup").isLessThan(1_000);
            assertThat(RegistrationHealth.of(server, "alice-desk").state()).isEqualTo("REGISTERED");
        } finally {
            Stopping.all(client, server, slow, dns, registrar);
        }
    }
}
