package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void an_empty_file_gives_every_default() throws IOException {
        assertThat(loader.load(file(""))).isEqualTo(SwitchboardConfig.defaults());
    }

    @Test
    void the_shipped_configuration_file_states_exactly_the_defaults() {
        assertThat(loader.load(Path.of("deploy/switchboard.yaml"))).isEqualTo(SwitchboardConfig.defaults());
    }

    @Test
    void values_in_the_file_replace_defaults_and_the_rest_keep_theirs() throws IOException {
        SwitchboardConfig config = loader.load(file("server:\n  sip-port: 5070\n  sip-transports: [tcp]\n"));
        assertThat(config.server().sipPort()).isEqualTo(5070);
        assertThat(config.server().sipTransports()).containsExactly(Transport.TCP);
        assertThat(config.server().httpPort()).isEqualTo(8080);
        assertThat(config.storage().dataDir()).isEqualTo("data");
    }

    @Test
    void an_unknown_key_names_the_file_and_the_dotted_key() throws IOException {
        Path file = file("server:\n  sip-prot: 5070\n");
        assertThatThrownBy(() -> loader.load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("server.sip-prot");
                    assertThat(e.getMessage()).contains(file.toString()).contains("'server.sip-prot'")
                            .contains("unknown key").contains("sip-port").doesNotContain("\n");
                });
    }

    @Test
    void admin_credentials_go_together() throws IOException {
        assertThatThrownBy(() -> loader.load(file("admin:\n  username: ops\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("admin.password-hash"));
    }

    @Test
    void an_admin_password_hash_that_is_not_one_is_refused_without_echoing_it() throws IOException {
        assertThatThrownBy(() -> loader.load(file("admin:\n  username: ops\n  password-hash: hunter2\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("admin.password-hash");
                    assertThat(e.getMessage()).contains("pbkdf2-sha256").doesNotContain("hunter2").doesNotContain("\n");
                });
    }

    @Test
    void a_key_changed_at_run_time_is_validated_like_the_file() {
        SwitchboardConfig changed = loader.change(SwitchboardConfig.defaults(), Path.of("JMX"), "presence.views.retry-jitter", "0.5");
        assertThat(changed.presence().views().retryJitter()).isEqualTo(0.5);
        assertThatThrownBy(() -> loader.change(SwitchboardConfig.defaults(), Path.of("JMX"), "presence.views.retry-jitter", "2"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("presence.views.retry-jitter"));
    }

    @Test
    void an_unknown_section_is_an_unknown_key() throws IOException {
        assertThatThrownBy(() -> loader.load(file("presense:\n  x: 1\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("presense"));
    }

    @Test
    void a_wrong_type_names_the_key_and_what_was_expected() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-port: five\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("server.sip-port");
                    assertThat(e.getMessage()).contains("expected a whole number").contains("five").doesNotContain("\n");
                });
    }

    @Test
    void a_number_where_text_belongs_is_a_wrong_type() throws IOException {
        assertThatThrownBy(() -> loader.load(file("storage:\n  data-dir: 12\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("storage.data-dir"));
    }

    @Test
    void a_list_where_text_belongs_is_a_wrong_type() throws IOException {
        assertThatThrownBy(() -> loader.load(file("storage:\n  data-dir: [a, b]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("storage.data-dir");
                    assertThat(e.problem()).startsWith("expected text");
                });
    }

    @Test
    void a_fractional_port_is_a_wrong_type() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  http-port: 80.5\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.http-port"));
    }

    @Test
    void an_unknown_transport_names_the_list_entry() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-transports: [udp, sctp]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("server.sip-transports[1]");
                    assertThat(e.getMessage()).contains("sctp");
                });
    }

    @Test
    void a_port_out_of_range_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-port: 70000\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("server.sip-port");
                    assertThat(e.problem()).contains("1 to 65535");
                });
    }

    @Test
    void an_address_must_be_an_ip_literal() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-address: example.com\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.sip-address"));
    }

    @Test
    void no_transport_at_all_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-transports: []\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.sip-transports"));
    }

    @Test
    void a_transport_listed_twice_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-transports: [udp, UDP]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problem()).contains("twice"));
    }

    @Test
    void a_missing_file_is_named() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> loader.load(missing))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.getMessage()).contains(missing.toString()).contains("does not exist");
                    assertThat(e.key()).isEmpty();
                });
    }

    @Test
    void broken_yaml_names_the_line() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-port: [5060\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage()).contains("not valid YAML at line"));
    }

    @Test
    void broken_yaml_is_one_line_naming_file_line_column_and_the_problem() throws IOException {
        Path file = file("server:\n  sip-port: [\n  x: 1\n");
        assertThatThrownBy(() -> loader.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                .isEqualTo("Configuration error in " + file + ": not valid YAML at line 4, column 1: expected ',' or ']',"
                        + " but got <stream end> (in the flow sequence that starts at line 2, column 13)"));
    }

    @Test
    void a_yaml_problem_without_context_is_one_line_too() throws IOException {
        Path file = file("server:\n  sip-port: 5060\n   sip-address: 127.0.0.1\n");
        assertThatThrownBy(() -> loader.load(file)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.getMessage())
                .startsWith("Configuration error in " + file + ": not valid YAML at line 3, column ").doesNotContain("\n"));
    }

    @Test
    void a_top_level_that_is_not_a_mapping_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("- a\n- b\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problem()).contains("mapping"));
    }

    @Test
    void an_empty_section_keeps_its_defaults() throws IOException {
        assertThat(loader.load(file("server:\nstorage:\n"))).isEqualTo(SwitchboardConfig.defaults());
    }

    @Test
    void overrides_win_over_the_file_and_are_typed_like_it() throws IOException {
        SwitchboardConfig config = loader.load(file("server:\n  sip-port: 5070\n"),
                Map.of("server.sip-port", "5080", "server.sip-transports", "[udp]", "storage.data-dir", "/var/lib/sb"));
        assertThat(config.server().sipPort()).isEqualTo(5080);
        assertThat(config.server().sipTransports()).isEqualTo(List.of(Transport.UDP));
        assertThat(config.storage().dataDir()).isEqualTo("/var/lib/sb");
    }

    @Test
    void an_override_of_an_unknown_key_is_refused() throws IOException {
        Path file = file("");
        assertThatThrownBy(() -> loader.load(file, Map.of("server.sip-prot", "1")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.sip-prot"));
        assertThatThrownBy(() -> loader.load(file, Map.of("nosuch.key", "1")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("nosuch.key"));
    }

    @Test
    void an_override_with_a_wrong_type_is_refused() throws IOException {
        Path file = file("");
        assertThatThrownBy(() -> loader.load(file, Map.of("server.http-port", "eighty")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.http-port"));
    }

    @Test
    void tls_needs_a_keystore() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  sip-transports: [udp, tls]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.tls.keystore"));
    }

    @Test
    void tls_older_than_1_2_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  tls:\n    protocols: [TLSv1.2, TLSv1.1]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("server.tls.protocols");
                    assertThat(e.problem()).isEqualTo("'TLSv1.1' is not allowed (only TLSv1.2, TLSv1.3; older versions are broken)");
                });
    }

    @Test
    void an_unknown_cipher_suite_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  tls:\n    cipher-suites: [TLS_NO_SUCH_SUITE]\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.tls.cipher-suites"));
    }

    @Test
    void tls_and_tcp_cannot_share_a_port() throws IOException {
        assertThatThrownBy(() -> loader.load(file(
                "server:\n  sip-port: 5070\n  sip-tls-port: 5070\n  sip-transports: [tcp, tls]\n  tls: {keystore: k.p12}\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("server.sip-tls-port"));
    }

    @Test
    void an_unknown_client_auth_is_refused() throws IOException {
        assertThatThrownBy(() -> loader.load(file("server:\n  tls:\n    client-auth: maybe\n")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo("server.tls.client-auth");
                    assertThat(e.problem()).contains("need, want or none");
                });
    }
}
