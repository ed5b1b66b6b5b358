package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.dispatch.routing.EndpointRef;
import org.switchboard.endpoint.EndpointBehavior;
import org.switchboard.endpoint.builtin.EchoEndpoint;
import org.switchboard.endpoint.builtin.ForwardingEndpoint;
import org.switchboard.endpoint.builtin.RejectingEndpoint;

/** Building the endpoints from configuration, without a container (beans from a map, no SIP factory). */
class EndpointHostTest {

    @TempDir
    Path dir;

    private final List<EndpointBehavior> released = new ArrayList<>();

    private final EndpointBeans beans = new EndpointBeans() {
        private final Map<String, Supplier<EndpointBehavior>> known = Map.of(
                "echo", EchoEndpoint::new, "reject", RejectingEndpoint::new, "forwarder", ForwardingEndpoint::new);

        @Override
        public EndpointBehavior create(String name) {
            Supplier<EndpointBehavior> supplier = known.get(name);
            if (supplier == null) {
                throw new IllegalArgumentException(name);
            }
            return supplier.get();
        }

        @Override
        public Set<String> names() {
            return known.keySet();
        }

        @Override
        public void release(EndpointBehavior instance) {
            released.add(instance);
        }
    };

    private EndpointHost start(String yaml) throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml);
        return EndpointHost.start(file, new ConfigLoader().load(file), beans, null, Clock.systemUTC());
    }

    @Test
    void every_configured_endpoint_is_hosted() throws IOException {
        try (EndpointHost host = start("""
                endpoints:
                  - {aor: "sip:echo@example.com", bean: echo}
                  - {aor: "sip:alice@example.com", kind: user, epid: e1, bean: echo}
                """)) {
            assertThat(host.endpoints()).extracting(EndpointRef::name).containsExactlyInAnyOrder("echo", "alice-e1");
        }
    }

    @Test
    void a_pool_has_one_endpoint_per_instance_each_with_its_own_gruu() throws IOException {
        try (EndpointHost host = start("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo, instances: 3}\n")) {
            assertThat(host.endpoints()).extracting(EndpointRef::name).containsExactlyInAnyOrder("bot", "bot#2", "bot#3");
            assertThat(host.endpoints()).extracting(EndpointRef::gruu).doesNotHaveDuplicates();
        }
    }

    @Test
    void gruus_are_the_same_every_time_the_same_configuration_starts() throws IOException {
        String yaml = "endpoints:\n  - {aor: \"sip:bot@example.com\", bean: echo}\n";
        Object first;
        try (EndpointHost host = start(yaml)) {
            first = host.endpoints().get(0).gruu();
        }
        try (EndpointHost host = start(yaml)) {
            assertThat(host.endpoints().get(0).gruu()).isEqualTo(first);
        }
    }

    @Test
    void an_unknown_bean_names_the_key_and_the_beans_available() {
        assertThatThrownBy(() -> start("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: ecco}\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("endpoints[0].bean");
                    assertThat(e.problem()).contains("'ecco'").contains("echo, forwarder, reject");
                });
    }

    @Test
    void settings_a_bean_refuses_stop_start_up_naming_the_key() {
        assertThatThrownBy(() -> start("endpoints:\n  - {aor: \"sip:no@example.com\", bean: reject, settings: {status: 200}}\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).startsWith("endpoints[0].settings");
                    assertThat(e.problem()).contains("300 to 699");
                });
        assertThatThrownBy(() -> start("endpoints:\n  - {aor: \"sip:no@example.com\", bean: reject, settings: {stauts: 486}}\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("endpoints[0].settings.stauts"));
    }

    @Test
    void a_forwarder_rule_with_a_broken_pattern_is_refused() {
        assertThatThrownBy(() -> start("""
                endpoints:
                  - aor: sip:router@example.com
                    bean: forwarder
                    settings:
                      rules: [{header: Subject, pattern: "(", target: "sip:x@example.com"}]
                """)).isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).startsWith("endpoints[0].settings.rules[0]");
                    assertThat(e.problem()).contains("regular expression");
                });
    }

    @Test
    void a_failed_start_releases_the_beans_made_so_far() {
        assertThatThrownBy(() -> start("""
                endpoints:
                  - {aor: "sip:echo@example.com", bean: echo}
                  - {aor: "sip:x@example.com", bean: nosuch}
                """)).isInstanceOf(ConfigException.class);
        assertThat(released).hasSize(1);
    }
}
