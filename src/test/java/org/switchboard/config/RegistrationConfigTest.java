package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registration section, the endpoints' register flag, and the pools' registrars and backup pools. */
class RegistrationConfigTest {

    @TempDir
    Path dir;

    private ConfigFiles files;

    @BeforeEach
    void files() {
        files = new ConfigFiles(dir);
    }

    private void assertRefused(String yaml, String key, String problemPart) throws IOException {
        files.assertRefused(yaml, key, problemPart);
    }

    private static final String ALICE_REGISTERS = """
            endpoints:
              - {aor: "sip:alice@example.com", kind: user, epid: desk, bean: echo, register: true}
            """;

    @Test
    void a_full_registration_section_is_read() throws IOException {
        SwitchboardConfig config = files.load("""
                registration:
                  enabled: true
                  servers: ["sip:reg1.example.com:5060"]
                  srv-domain: example.com
                  dns-server: "127.0.0.1:5353"
                  transport: tcp
                  expires-seconds: 600
                  failure-detection-seconds: 10
                  fallback-seconds: 20
                  probe-interval-seconds: 2
                  max-redirects: 5
                """ + ALICE_REGISTERS);
        assertThat(config.registration()).isEqualTo(new RegistrationSettings(true, List.of("sip:reg1.example.com:5060"), "example.com",
                "127.0.0.1:5353", Transport.TCP, 600, 10, 20, 2, 5, false));
        assertThat(config.endpoints().get(0).registers()).isTrue();
    }

    @Test
    void registration_is_off_by_default_and_endpoints_do_not_register() throws IOException {
        SwitchboardConfig config = files.load("endpoints:\n  - {aor: \"sip:alice@example.com\", kind: user, epid: desk, bean: echo}\n");
        assertThat(config.registration().enabled()).isFalse();
        assertThat(config.registration().director()).isFalse();
        assertThat(config.endpoints().get(0).registers()).isFalse();
    }

    @Test
    void an_application_endpoint_cannot_register() throws IOException {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo, register: true}\n", "endpoints[0].register",
                "only user endpoints register");
    }

    @Test
    void enabled_registration_with_registering_endpoints_needs_a_way_to_find_registrars() throws IOException {
        assertRefused("registration: {enabled: true}\n" + ALICE_REGISTERS, "registration.srv-domain", "name the first registrars");
    }

    @Test
    void a_server_must_be_a_sip_uri() throws IOException {
        assertRefused("registration: {servers: [\"reg1.example.com\"]}\n", "registration.servers[0]", "expected the SIP URI of a registrar");
    }

    @Test
    void the_dns_server_is_host_and_port() throws IOException {
        assertRefused("registration: {dns-server: \"127.0.0.1\"}\n", "registration.dns-server", "expected host:port");
        assertRefused("registration: {dns-server: \"127.0.0.1:70000\"}\n", "registration.dns-server", "expected host:port");
    }

    @Test
    void the_srv_domain_is_a_dns_name() throws IOException {
        assertRefused("registration: {srv-domain: \"exa mple.com\"}\n", "registration.srv-domain", "expected a DNS domain");
    }

    @Test
    void intervals_are_positive_and_redirects_bounded() throws IOException {
        assertRefused("registration: {expires-seconds: 0}\n", "registration.expires-seconds", "at least 1");
        assertRefused("registration: {failure-detection-seconds: 0}\n", "registration.failure-detection-seconds", "at least 1");
        assertRefused("registration: {fallback-seconds: -1}\n", "registration.fallback-seconds", "at least 1");
        assertRefused("registration: {probe-interval-seconds: 0}\n", "registration.probe-interval-seconds", "at least 1");
        assertRefused("registration: {max-redirects: 11}\n", "registration.max-redirects", "from 0 to 10");
    }

    @Test
    void an_unknown_registration_key_is_refused() throws IOException {
        assertRefused("registration: {srv-domian: example.com}\n", "registration.srv-domian", "unknown key");
    }

    @Test
    void the_director_needs_pools() throws IOException {
        assertRefused("registration: {director: true}\n", "registration.director", "topology.front-end-pools");
    }

    @Test
    void a_pool_names_its_registrar_and_an_existing_backup_pool() throws IOException {
        SwitchboardConfig config = files.load("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com", registrar: "sip:reg1.example.com:5060", backup-pool: fe2}
                    - {name: fe2, next-hop: "sip:fe2.example.com"}
                """);
        assertThat(config.topology().frontEndPools().get(0).effectiveRegistrar()).isEqualTo("sip:reg1.example.com:5060");
        assertThat(config.topology().frontEndPools().get(1).effectiveRegistrar()).isEqualTo("sip:fe2.example.com");
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com", backup-pool: fe3}
                """, "topology.front-end-pools[0].backup-pool", "no pool named 'fe3'");
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com", backup-pool: fe1}
                """, "topology.front-end-pools[0].backup-pool", "cannot back itself up");
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com", registrar: "reg1"}
                """, "topology.front-end-pools[0].registrar", "expected a SIP URI");
    }
}
