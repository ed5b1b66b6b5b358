package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunnerOptionsTest {

    private final Path home = Path.of("/opt/switchboard");

    @Test
    void without_options_everything_comes_from_the_projects_deploy_folder() throws Exception {
        RunnerOptions options = RunnerOptions.parse(List.of(), home);
        assertThat(options.config()).isEqualTo(home.resolve("deploy/switchboard.yaml"));
        assertThat(options.dar()).isEqualTo(home.resolve("deploy/dar.properties"));
        assertThat(options.war()).isEqualTo(home.resolve("target/switchboard.war"));
        assertThat(options.overrides()).isEmpty();
        assertThat(options.console()).as("the web console is on by default").isTrue();
    }

    @Test
    void no_console_leaves_the_web_console_out() throws Exception {
        assertThat(RunnerOptions.parse(List.of("--no-console"), home).console()).isFalse();
    }

    @Test
    void pool_joins_the_pool_through_its_configuration_key() throws Exception {
        assertThat(RunnerOptions.parse(List.of("--pool"), home).overrides()).containsExactly(java.util.Map.entry("pool.enabled", "true"));
    }

    @Test
    void listening_options_become_overrides_of_their_configuration_keys() throws Exception {
        RunnerOptions options = RunnerOptions.parse(List.of("--sip-port", "5070", "--http-port=8081",
                "--sip-address", "127.0.0.2", "--http-address", "127.0.0.3", "--sip-transports", "tcp"), home);
        assertThat(options.overrides()).containsEntry("server.sip-port", "5070")
                .containsEntry("server.http-port", "8081")
                .containsEntry("server.sip-address", "127.0.0.2")
                .containsEntry("server.http-address", "127.0.0.3")
                .containsEntry("server.sip-transports", "[tcp]");
    }

    @Test
    void the_data_directory_is_made_absolute_against_the_working_directory() throws Exception {
        RunnerOptions options = RunnerOptions.parse(List.of("--data-dir", "state"), home);
        Path dataDir = Path.of(options.overrides().get("storage.data-dir"));
        assertThat(dataDir.isAbsolute()).isTrue();
        assertThat(dataDir.getFileName().toString()).isEqualTo("state");
    }

    @Test
    void the_database_url_becomes_an_override_of_its_key() throws Exception {
        RunnerOptions options = RunnerOptions.parse(List.of("--database-url", "jdbc:postgresql://127.0.0.1:5433/sb"), home);
        assertThat(options.overrides()).containsEntry("storage.database.url", "jdbc:postgresql://127.0.0.1:5433/sb");
    }

    @Test
    void the_drain_time_is_a_runner_option_of_whole_seconds() throws Exception {
        assertThat(RunnerOptions.parse(List.of(), home).drainSeconds()).isZero();
        assertThat(RunnerOptions.parse(List.of("--drain-seconds", "6"), home).drainSeconds()).isEqualTo(6);
        assertThat(RunnerOptions.parse(List.of("--drain-seconds=6"), home).overrides()).isEmpty();
        assertThatThrownBy(() -> RunnerOptions.parse(List.of("--drain-seconds", "soon"), home))
                .isInstanceOf(RunnerOptions.BadOption.class).hasMessageContaining("--drain-seconds").hasMessageContaining("'soon'");
        assertThatThrownBy(() -> RunnerOptions.parse(List.of("--drain-seconds", "-1"), home))
                .isInstanceOf(RunnerOptions.BadOption.class);
    }

    @Test
    void exit_with_parent_takes_a_process_id() throws Exception {
        assertThat(RunnerOptions.parse(List.of(), home).exitWithParent()).isEmpty();
        assertThat(RunnerOptions.parse(List.of("--exit-with-parent", "4242"), home).exitWithParent()).hasValue(4242);
        assertThat(RunnerOptions.parse(List.of("--exit-with-parent=4242"), home).overrides()).isEmpty();
        assertThatThrownBy(() -> RunnerOptions.parse(List.of("--exit-with-parent", "me"), home))
                .isInstanceOf(RunnerOptions.BadOption.class).hasMessageContaining("--exit-with-parent").hasMessageContaining("'me'");
        assertThatThrownBy(() -> RunnerOptions.parse(List.of("--exit-with-parent", "0"), home))
                .isInstanceOf(RunnerOptions.BadOption.class);
    }

    @Test
    void an_unknown_option_is_refused_with_its_name() {
        assertThatThrownBy(() -> RunnerOptions.parse(List.of("--sip-prot", "1"), home))
                .isInstanceOf(RunnerOptions.BadOption.class).hasMessageContaining("--sip-prot");
    }

    @Test
    void an_option_without_its_value_is_refused() {
        assertThatThrownBy(() -> RunnerOptions.parse(List.of("--config"), home))
                .isInstanceOf(RunnerOptions.BadOption.class).hasMessageContaining("needs a value");
    }

    @Test
    void help_is_recognised() throws Exception {
        assertThat(RunnerOptions.parse(List.of("--help"), home).help()).isTrue();
    }
}
