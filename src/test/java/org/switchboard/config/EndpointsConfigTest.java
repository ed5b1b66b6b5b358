package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointsConfigTest {

    @TempDir
    Path dir;

    private SwitchboardConfig load(String yaml) throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml);
        return new ConfigLoader().load(file);
    }

    private void assertRefused(String yaml, String key, String problemPart) {
        assertThatThrownBy(() -> load(yaml)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.problem()).contains(problemPart);
            assertThat(e.getMessage()).doesNotContain("\n");
        });
    }

    @Test
    void an_application_endpoint_needs_only_its_aor_and_bean() throws IOException {
        EndpointSettings e = load("endpoints:\n  - aor: sip:bot@example.com\n    bean: echo\n").endpoints().get(0);
        assertThat(e.kind()).isEqualTo(EndpointSettings.Kind.APPLICATION);
        assertThat(e.poolSize()).isEqualTo(1);
        assertThat(e.isDefaultRouting()).isFalse();
        assertThat(e.effectiveName()).isEqualTo("bot");
        assertThat(e.settings().isObject()).isTrue();
    }

    @Test
    void a_platform_of_100000_endpoints_is_read_although_its_file_is_over_yaml_s_default_limit() throws IOException {
        StringBuilder yaml = new StringBuilder("endpoints:\n");
        for (int i = 0; i < 100_000; i++) {
            yaml.append("  - {aor: \"sip:user").append(i).append("@example.com\", bean: echo, settings: {}}\n");
        }
        assertThat(yaml.length()).as("over SnakeYAML's default of 3 M code points").isGreaterThan(3 * 1024 * 1024);
        SwitchboardConfig config = load(yaml.toString());
        assertThat(config.endpoints()).hasSize(100_000);
        assertThat(config.endpoints().get(99_999).effectiveName()).isEqualTo("user99999");
    }

    @Test
    void a_user_endpoint_is_named_after_its_user_and_epid() throws IOException {
        EndpointSettings e = load("endpoints:\n  - aor: sip:alice@example.com\n    kind: user\n    epid: e1\n    bean: echo\n")
                .endpoints().get(0);
        assertThat(e.effectiveName()).isEqualTo("alice-e1");
    }

    @Test
    void two_default_routing_endpoints_name_the_second() {
        assertRefused("""
                endpoints:
                  - {aor: "sip:a@example.com", bean: forwarder, default-routing: true}
                  - {aor: "sip:b@example.com", bean: forwarder, default-routing: true}
                """, "endpoints[1].default-routing", "second default routing endpoint");
    }

    @Test
    void a_duplicate_application_aor_is_refused() {
        assertRefused("""
                endpoints:
                  - {aor: "sip:bot@example.com", bean: echo}
                  - {aor: "sip:bot@EXAMPLE.com", bean: reject}
                """, "endpoints[1].aor", "duplicate AOR");
    }

    @Test
    void a_user_endpoint_without_epid_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"sip:alice@example.com\", kind: user, bean: echo}\n", "endpoints[0].epid", "needs its epid");
    }

    @Test
    void a_duplicate_epid_for_one_user_is_refused() {
        assertRefused("""
                endpoints:
                  - {aor: "sip:alice@example.com", kind: user, epid: e1, bean: echo}
                  - {aor: "sip:alice@example.com", kind: user, epid: E1, bean: echo, name: other}
                """, "endpoints[1].epid", "duplicate epid");
    }

    @Test
    void two_user_endpoints_of_one_user_are_fine() throws IOException {
        assertThat(load("""
                endpoints:
                  - {aor: "sip:alice@example.com", kind: user, epid: e1, bean: echo}
                  - {aor: "sip:alice@example.com", kind: user, epid: e2, bean: echo}
                """).endpoints()).hasSize(2);
    }

    @Test
    void an_application_endpoint_with_an_epid_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\", epid: e1, bean: echo}\n", "endpoints[0].epid", "only user endpoints");
    }

    @Test
    void one_aor_cannot_be_both_application_and_user() {
        assertRefused("""
                endpoints:
                  - {aor: "sip:bot@example.com", bean: echo}
                  - {aor: "sip:bot@example.com", kind: user, epid: e1, bean: echo}
                """, "endpoints[1].kind", "already belongs to application");
    }

    @Test
    void an_aor_that_is_not_a_sip_uri_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"bot at example\", bean: echo}\n", "endpoints[0].aor", "not a SIP address of record");
    }

    @Test
    void a_missing_bean_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\"}\n", "endpoints[0].bean", "needs the name of the bean");
    }

    @Test
    void an_unknown_kind_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo, kind: robot}\n", "endpoints[0].kind", "robot");
    }

    @Test
    void an_empty_pool_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo, instances: 0}\n", "endpoints[0].instances", "at least 1");
    }

    @Test
    void an_unknown_endpoint_key_is_refused() {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo, beans: x}\n", "endpoints[0].beans", "unknown key");
    }

    @Test
    void settings_must_be_a_mapping() {
        assertRefused("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo, settings: [1]}\n", "endpoints[0].settings", "section");
    }

    @Test
    void duplicate_names_are_refused() {
        assertRefused("""
                endpoints:
                  - {aor: "sip:bot@example.com", bean: echo}
                  - {aor: "sip:bot@example.org", bean: echo}
                """, "endpoints[1].name", "duplicate endpoint name 'bot'");
    }

    @Test
    void conversation_limits_must_be_positive() {
        assertRefused("dispatch:\n  conversation-idle-seconds: 0\n", "dispatch.conversation-idle-seconds", "at least 1");
    }
}
