package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.endpoint.builtin.ShippedBeans;

/** Endpoint beans and their settings, checked with the rest of the file before anything starts. */
class EndpointBeanCheckTest {

    @TempDir
    Path dir;

    private void check(String yaml, boolean othersMayExist) throws IOException {
        ConfigFiles files = new ConfigFiles(dir);
        Path file = files.file(yaml);
        SwitchboardConfig config = new ConfigLoader().load(file);
        EndpointBeanCheck.validate(file, config.endpoints(), ShippedBeans.settingsTypes(), othersMayExist);
    }

    private void assertRefused(String yaml, String key, String problemPart) {
        Path file = dir.resolve("switchboard.yaml");
        assertThatThrownBy(() -> check(yaml, false)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.key()).isEqualTo(key);
            assertThat(e.problem()).contains(problemPart);
            assertThat(e.getMessage()).startsWith("Configuration error in " + file + " at key '" + key + "': ").doesNotContain("\n");
        });
    }

    @Test
    void the_shipped_beans_with_good_settings_pass() {
        assertThatCode(() -> check("""
                endpoints:
                  - {aor: "sip:echo@example.com", bean: echo}
                  - {aor: "sip:busy@example.com", bean: reject, settings: {status: 486, reason: Busy}}
                  - {aor: "sip:watch@example.com", bean: presence-monitor, settings: {targets: ["sip:bob@example.com"], mode: polling}}
                  - aor: sip:router@example.com
                    bean: forwarder
                    settings: {rules: [{header: Subject, pattern: "^sales", target: "sip:busy@example.com"}], otherwise: 480}
                """, false)).doesNotThrowAnyException();
    }

    @Test
    void an_unknown_bean_is_refused_naming_its_key_and_the_known_beans() {
        assertRefused("""
                endpoints:
                  - {aor: "sip:echo@example.com", bean: echo}
                  - {aor: "sip:bot@example.com", bean: ech}
                """, "endpoints[1].bean", "no endpoint bean named 'ech' (known beans: echo, forwarder, presence-monitor, reject;");
    }

    @Test
    void an_unknown_bean_is_left_to_the_application_when_the_archive_may_hold_beans_of_the_users_own() {
        assertThatCode(() -> check("endpoints:\n  - {aor: \"sip:bot@example.com\", bean: greeter, settings: {greeting: hi}}\n", true))
                .doesNotThrowAnyException();
    }

    @Test
    void an_unknown_settings_key_is_refused_naming_it_and_the_known_keys() {
        assertRefused("endpoints:\n  - {aor: \"sip:busy@example.com\", bean: reject, settings: {staus: 486}}\n",
                "endpoints[0].settings.staus", "unknown key (known keys here: reason, status)");
    }

    @Test
    void a_shipped_bean_is_checked_even_when_the_archive_may_hold_other_beans() {
        assertThatThrownBy(() -> check("endpoints:\n  - {aor: \"sip:busy@example.com\", bean: reject, settings: {staus: 486}}\n", true))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("endpoints[0].settings.staus"));
    }

    @Test
    void echo_takes_no_settings() {
        assertRefused("endpoints:\n  - {aor: \"sip:echo@example.com\", bean: echo, settings: {greeting: hi}}\n",
                "endpoints[0].settings.greeting", "unknown key (no keys are allowed here)");
    }

    @Test
    void an_unknown_key_inside_a_forwarder_rule_is_named_with_its_index() {
        assertRefused("""
                endpoints:
                  - aor: sip:router@example.com
                    bean: forwarder
                    settings: {rules: [{header: Subject, patern: "^sales", target: "sip:a@example.com"}]}
                """, "endpoints[0].settings.rules[0].patern", "unknown key (known keys here: header, pattern, target)");
    }

    @Test
    void a_forwarder_rule_missing_a_part_is_refused() {
        assertRefused("""
                endpoints:
                  - aor: sip:router@example.com
                    bean: forwarder
                    settings: {rules: [{header: Subject, target: "sip:a@example.com"}]}
                """, "endpoints[0].settings", "rules[0] needs header, pattern and target");
    }

    @Test
    void a_value_the_bean_refuses_is_refused_before_start() {
        assertRefused("endpoints:\n  - {aor: \"sip:busy@example.com\", bean: reject, settings: {status: 200}}\n",
                "endpoints[0].settings", "status must be a final error status from 300 to 699, found 200");
    }

    @Test
    void a_value_of_the_wrong_type_in_settings_is_refused_before_start() {
        assertRefused("endpoints:\n  - {aor: \"sip:busy@example.com\", bean: reject, settings: {status: busy}}\n",
                "endpoints[0].settings.status", "expected a whole number");
    }
}
