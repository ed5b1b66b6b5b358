package org.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys of storage.database, topology and presence. */
class TopologyConfigTest {

    @TempDir
    Path dir;

    private final ConfigLoader loader = new ConfigLoader();
    private ConfigFiles files;

    @BeforeEach
    void files() {
        files = new ConfigFiles(dir);
    }

    private SwitchboardConfig load(String yaml) throws IOException {
        return files.load(yaml);
    }

    private void assertRefused(String yaml, String key, String problemPart) throws IOException {
        files.assertRefused(yaml, key, problemPart);
    }

    // ---------------------------------------------------------------- defaults

    @Test
    void without_these_sections_the_defaults_apply() throws IOException {
        SwitchboardConfig config = load("");
        DatabaseSettings database = config.storage().database();
        assertThat(database.url()).isEmpty();
        assertThat(database.isEmbedded()).isTrue();
        assertThat(database.username()).isEmpty();
        assertThat(database.password()).isEmpty();
        assertThat(database.maxPoolSize()).isEqualTo(10);
        assertThat(database.connectTimeoutSeconds()).isEqualTo(5);
        assertThat(config.topology().applicationPool()).isEqualTo("default");
        assertThat(config.topology().frontEndPool()).isEmpty();
        assertThat(config.topology().frontEndPools()).isEmpty();
        assertThat(config.topology().nextHopPool()).isEmpty();
        assertThat(config.presence().maxDocumentChars()).isEqualTo(65_536);
    }

    @Test
    void empty_sections_keep_their_defaults() throws IOException {
        assertThat(load("storage:\n  database:\ntopology:\npresence:\n")).isEqualTo(SwitchboardConfig.defaults());
    }

    // ---------------------------------------------------------------- storage.database

    @Test
    void a_postgresql_database_is_read_with_its_pool_settings() throws IOException {
        DatabaseSettings database = load("""
                storage:
                  database:
                    url: jdbc:postgresql://db.example.com:5432/switchboard
                    username: sb
                    password: "s3cret: yes"
                    max-pool-size: 20
                    connect-timeout-seconds: 3
                """).storage().database();
        assertThat(database).isEqualTo(new DatabaseSettings("jdbc:postgresql://db.example.com:5432/switchboard", "sb", "s3cret: yes", 20, 3));
        assertThat(database.isEmbedded()).isFalse();
    }

    @Test
    void an_h2_url_is_accepted_and_only_the_given_keys_change() throws IOException {
        SwitchboardConfig config = load("storage:\n  data-dir: /var/lib/sb\n  database:\n    url: jdbc:h2:mem:test\n");
        assertThat(config.storage().dataDir()).isEqualTo("/var/lib/sb");
        assertThat(config.storage().database()).isEqualTo(new DatabaseSettings("jdbc:h2:mem:test", "", "", 10, 5));
    }

    @Test
    void a_url_of_another_database_is_refused() throws IOException {
        assertRefused("storage:\n  database:\n    url: jdbc:mysql://db/sb\n", "storage.database.url", "jdbc:mysql://db/sb");
        assertRefused("storage:\n  database:\n    url: postgresql://db/sb\n", "storage.database.url", "PostgreSQL");
    }

    @Test
    void a_url_that_is_not_text_is_a_wrong_type() throws IOException {
        assertRefused("storage:\n  database:\n    url: 5432\n", "storage.database.url", "expected text");
        assertRefused("storage:\n  database:\n    url: [a]\n", "storage.database.url", "expected text");
    }

    @Test
    void a_missing_username_or_password_is_refused() throws IOException {
        assertRefused("storage:\n  database:\n    username: ~\n", "storage.database.username", "must be text");
        assertRefused("storage:\n  database:\n    password: ~\n", "storage.database.password", "must be text");
    }

    @Test
    void pool_size_and_timeout_must_be_positive_whole_numbers() throws IOException {
        assertRefused("storage:\n  database:\n    max-pool-size: 0\n", "storage.database.max-pool-size", "at least 1");
        assertRefused("storage:\n  database:\n    connect-timeout-seconds: -1\n", "storage.database.connect-timeout-seconds", "at least 1");
        assertRefused("storage:\n  database:\n    max-pool-size: many\n", "storage.database.max-pool-size", "expected a whole number");
        assertRefused("storage:\n  database:\n    connect-timeout-seconds: 1.5\n", "storage.database.connect-timeout-seconds", "");
    }

    @Test
    void an_unknown_database_key_is_named_with_the_known_ones() throws IOException {
        assertRefused("storage:\n  database:\n    pasword: x\n", "storage.database.pasword", "password");
    }

    // ---------------------------------------------------------------- presence

    @Test
    void the_document_limit_is_accepted_at_both_ends_of_its_range() throws IOException {
        assertThat(load("presence:\n  max-document-chars: 1024\n").presence().maxDocumentChars()).isEqualTo(1024);
        assertThat(load("presence:\n  max-document-chars: 1048576\n").presence().maxDocumentChars()).isEqualTo(1_048_576);
    }

    @Test
    void a_document_limit_outside_its_range_is_refused() throws IOException {
        assertRefused("presence:\n  max-document-chars: 1023\n", "presence.max-document-chars", "1024 to 1048576");
        assertRefused("presence:\n  max-document-chars: 1048577\n", "presence.max-document-chars", "1048577");
        assertRefused("presence:\n  max-document-chars: 0\n", "presence.max-document-chars", "1024");
        assertThat(load("presence:\n  forget-idle-seconds: 60\n").presence().forgetIdleSeconds()).isEqualTo(60);
        assertRefused("presence:\n  forget-idle-seconds: 0\n", "presence.forget-idle-seconds", "at least 1");
        assertRefused("presence:\n  max-document-chars: large\n", "presence.max-document-chars", "expected a whole number");
        assertRefused("presence:\n  max-document-size: 2048\n", "presence.max-document-size", "max-document-chars");
    }

    // ---------------------------------------------------------------- topology

    private static final String TWO_POOLS = """
            topology:
              application-pool: apps-east_1.a
              front-end-pool: fe1
              front-end-pools:
                - name: fe1
                  next-hop: sip:fe1.example.com:5060;transport=tcp
                  users: [sip:alice@example.com, sip:bob@example.com]
                - name: fe2
                  next-hop: sips:fe2.example.com
                  users:
                    - sip:carol@example.com
            """;

    @Test
    void a_topology_with_two_front_end_pools_is_read() throws IOException {
        TopologySettings topology = load(TWO_POOLS).topology();
        assertThat(topology.applicationPool()).isEqualTo("apps-east_1.a");
        assertThat(topology.frontEndPool()).isEqualTo("fe1");
        assertThat(topology.frontEndPools()).containsExactly(
                new TopologySettings.FrontEndPool("fe1", "sip:fe1.example.com:5060;transport=tcp",
                        List.of("sip:alice@example.com", "sip:bob@example.com"), "", ""),
                new TopologySettings.FrontEndPool("fe2", "sips:fe2.example.com", List.of("sip:carol@example.com"), "", ""));
        assertThat(topology.nextHopPool()).map(TopologySettings.FrontEndPool::name).contains("fe1");
    }

    @Test
    void a_pool_without_users_has_an_empty_list() throws IOException {
        TopologySettings topology = load("topology:\n  front-end-pools:\n    - {name: fe1, next-hop: \"sip:fe1.example.com\"}\n").topology();
        assertThat(topology.frontEndPools()).singleElement().satisfies(pool -> assertThat(pool.users()).isEmpty());
        assertThat(topology.frontEndPool()).isEmpty();
        assertThat(topology.nextHopPool()).isEmpty();
    }

    @Test
    void an_application_pool_name_must_be_a_simple_name() throws IOException {
        assertRefused("topology:\n  application-pool: \"apps east\"\n", "topology.application-pool", "'apps east'");
        assertRefused("topology:\n  application-pool: \"\"\n", "topology.application-pool", "pool name");
        assertRefused("topology:\n  application-pool: -apps\n", "topology.application-pool", "pool name");
        assertRefused("topology:\n  application-pool: " + "a".repeat(65) + "\n", "topology.application-pool", "at most 64");
        assertThat(load("topology:\n  application-pool: " + "a".repeat(64) + "\n").topology().applicationPool()).hasSize(64);
    }

    @Test
    void a_front_end_pool_name_must_be_a_simple_name() throws IOException {
        assertRefused("topology:\n  front-end-pools:\n    - {name: \"fe/1\", next-hop: \"sip:fe1.example.com\"}\n",
                "topology.front-end-pools[0].name", "'fe/1'");
        assertRefused("topology:\n  front-end-pools:\n    - {next-hop: \"sip:fe1.example.com\"}\n",
                "topology.front-end-pools[0].name", "pool name");
    }

    @Test
    void a_pool_listed_twice_names_the_second() throws IOException {
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com"}
                    - {name: fe2, next-hop: "sip:fe2.example.com"}
                    - {name: fe1, next-hop: "sip:fe3.example.com"}
                """, "topology.front-end-pools[2].name", "'fe1' is listed twice");
    }

    @Test
    void a_pool_needs_a_sip_next_hop() throws IOException {
        assertRefused("topology:\n  front-end-pools:\n    - {name: fe1}\n", "topology.front-end-pools[0].next-hop", "SIP URI");
        assertRefused("topology:\n  front-end-pools:\n    - {name: fe1, next-hop: \" \"}\n", "topology.front-end-pools[0].next-hop", "SIP URI");
        assertRefused("topology:\n  front-end-pools:\n    - {name: fe1, next-hop: \"http://fe1.example.com\"}\n",
                "topology.front-end-pools[0].next-hop", "http://fe1.example.com");
    }

    @Test
    void every_user_must_be_a_sip_uri() throws IOException {
        assertRefused("""
                topology:
                  front-end-pools:
                    - name: fe1
                      next-hop: sip:fe1.example.com
                      users: [sip:alice@example.com, alice@example.com]
                """, "topology.front-end-pools[0].users[1]", "alice@example.com");
    }

    @Test
    void a_user_is_homed_on_one_pool_only_as_an_address_of_record() throws IOException {
        // The same AOR: the host's case and URI parameters do not make another user.
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com", users: ["sip:alice@example.com"]}
                    - {name: fe2, next-hop: "sip:fe2.example.com", users: ["sip:bob@example.com", "sip:alice@EXAMPLE.com;transport=tcp"]}
                """, "topology.front-end-pools[1].users[1]", "already homed on pool 'fe1'");
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com", users: ["sip:alice@example.com", "sip:alice@example.com"]}
                """, "topology.front-end-pools[0].users[1]", "already homed on pool 'fe1'");
    }

    @Test
    void the_next_hop_pool_must_be_one_of_the_listed_pools() throws IOException {
        assertRefused("""
                topology:
                  front-end-pool: fe9
                  front-end-pools:
                    - {name: fe2, next-hop: "sip:fe2.example.com"}
                    - {name: fe1, next-hop: "sip:fe1.example.com"}
                """, "topology.front-end-pool", "no pool named 'fe9' in topology.front-end-pools (known: fe1, fe2)");
        assertRefused("topology:\n  front-end-pool: fe1\n", "topology.front-end-pool", "no pool named 'fe1'");
        assertRefused("topology:\n  front-end-pool: ~\n", "topology.front-end-pool", "must be text");
    }

    @Test
    void an_unknown_key_in_a_pool_is_named_with_its_index() throws IOException {
        assertRefused("""
                topology:
                  front-end-pools:
                    - {name: fe1, next-hop: "sip:fe1.example.com"}
                    - {name: fe2, nexthop: "sip:fe2.example.com"}
                """, "topology.front-end-pools[1].nexthop", "next-hop");
        assertRefused("topology:\n  frontend-pool: fe1\n", "topology.frontend-pool", "front-end-pool");
    }

    @Test
    void front_end_pools_must_be_a_list_of_sections() throws IOException {
        assertRefused("topology:\n  front-end-pools: fe1\n", "topology.front-end-pools", "expected");
        assertRefused("topology:\n  front-end-pools:\n    - {name: fe1, next-hop: \"sip:fe1.example.com\", users: \"sip:a@example.com\"}\n",
                "topology.front-end-pools[0].users", "expected");
    }

    // ---------------------------------------------------------------- overrides

    @Test
    void overrides_reach_the_new_keys_and_are_validated_like_the_file() throws IOException {
        Path file = files.file(TWO_POOLS);
        SwitchboardConfig config = loader.load(file, Map.of(
                "topology.application-pool", "apps-west",
                "topology.front-end-pool", "fe2",
                "storage.database.url", "jdbc:postgresql://127.0.0.1:5432/sb",
                "storage.database.max-pool-size", "4",
                "presence.max-document-chars", "2048"));
        assertThat(config.topology().applicationPool()).isEqualTo("apps-west");
        assertThat(config.topology().nextHopPool()).map(TopologySettings.FrontEndPool::nextHop).contains("sips:fe2.example.com");
        assertThat(config.storage().database().url()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/sb");
        assertThat(config.storage().database().maxPoolSize()).isEqualTo(4);
        assertThat(config.presence().maxDocumentChars()).isEqualTo(2048);

        assertThatThrownBy(() -> loader.load(file, Map.of("topology.front-end-pool", "fe3")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("topology.front-end-pool"));
        assertThatThrownBy(() -> loader.load(file, Map.of("presence.max-document-chars", "100")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("presence.max-document-chars"));
        assertThatThrownBy(() -> loader.load(file, Map.of("storage.database.url", "jdbc:oracle:thin:@db")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("storage.database.url"));
    }
}
