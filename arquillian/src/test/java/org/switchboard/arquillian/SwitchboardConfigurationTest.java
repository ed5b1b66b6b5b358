package org.switchboard.arquillian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.spi.ConfigurationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwitchboardConfigurationTest {

    @TempDir
    Path dir;

    Path runnerDir;
    Path war;

    @BeforeEach
    void aRunnerAndAnArchive() throws Exception {
        runnerDir = Files.createDirectories(dir.resolve("runner"));
        Files.writeString(runnerDir.resolve("switchboard-runner.jar"), "");
        war = Files.writeString(dir.resolve("switchboard.war"), "");
    }

    private SwitchboardConfiguration valid() {
        SwitchboardConfiguration configuration = new SwitchboardConfiguration();
        configuration.putAll(Map.of("runnerDir", runnerDir.toString(), "war", war.toString()));
        return configuration;
    }

    @Test
    void the_runner_and_the_archive_alone_are_enough_and_the_rest_has_defaults() {
        SwitchboardConfiguration configuration = valid();
        configuration.validate();
        assertThat(configuration.sipAddress()).isEqualTo("127.0.0.1");
        assertThat(configuration.sipPort()).isZero();
        assertThat(configuration.httpPort()).isZero();
        assertThat(configuration.sipTransports()).containsExactly("udp", "tcp");
        assertThat(configuration.configFile()).isEmpty();
        assertThat(configuration.configYaml()).isEmpty();
        assertThat(configuration.dataDir()).isEmpty();
        assertThat(configuration.databaseUrl()).isEmpty();
        assertThat(configuration.javaOptions()).isEmpty();
        assertThat(configuration.startupTimeoutSeconds()).isEqualTo(90);
    }

    @Test
    void every_property_is_read() {
        Path config = dir.resolve("switchboard.yaml");
        SwitchboardConfiguration configuration = valid().set("sipAddress", "127.0.0.2").set("sipPort", "5072")
                .set("sipTransports", "tcp").set("httpPort", "8082").set("configFile", config.toString())
                .set("dataDir", "state").set("databaseUrl", "jdbc:postgresql://127.0.0.1:5433/sb")
                .set("javaOptions", " -Xmx256m  -Dx=y ").set("startupTimeoutSeconds", "30");
        assertThat(configuration.sipAddress()).isEqualTo("127.0.0.2");
        assertThat(configuration.sipPort()).isEqualTo(5072);
        assertThat(configuration.sipTransports()).containsExactly("tcp");
        assertThat(configuration.httpPort()).isEqualTo(8082);
        assertThat(configuration.configFile()).contains(config);
        assertThat(configuration.dataDir()).contains(Path.of("state"));
        assertThat(configuration.databaseUrl()).contains("jdbc:postgresql://127.0.0.1:5433/sb");
        assertThat(configuration.javaOptions()).isEqualTo(List.of("-Xmx256m", "-Dx=y"));
        assertThat(configuration.startupTimeoutSeconds()).isEqualTo(30);
    }

    @Test
    void an_unknown_property_is_refused_with_its_name_and_the_known_ones() {
        assertThatThrownBy(() -> valid().set("sipPrt", "5060").validate())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("Switchboard container property sipPrt is not a property")
                .hasMessageContaining("sipPort");
    }

    @Test
    void a_missing_runner_directory_is_named() {
        SwitchboardConfiguration configuration = new SwitchboardConfiguration().set("war", war.toString());
        assertThatThrownBy(configuration::validate).hasMessageStartingWith("Switchboard container property runnerDir is missing");
    }

    @Test
    void a_runner_directory_without_the_runner_jar_is_named() {
        assertThatThrownBy(() -> valid().set("runnerDir", dir.toString()).validate())
                .hasMessageStartingWith("Switchboard container property runnerDir names '" + dir + "'")
                .hasMessageContaining("switchboard-runner.jar");
    }

    @Test
    void a_missing_war_is_named() {
        assertThatThrownBy(() -> valid().set("war", dir.resolve("nowhere.war").toString()).validate())
                .hasMessageStartingWith("Switchboard container property war names '" + dir.resolve("nowhere.war") + "'")
                .hasMessageContaining("not a file");
        assertThatThrownBy(() -> valid().set("war", "").validate())
                .hasMessageStartingWith("Switchboard container property war is missing");
    }

    @Test
    void a_port_that_is_not_a_number_or_out_of_range_is_named() {
        assertThatThrownBy(() -> valid().set("sipPort", "five").validate())
                .hasMessage("Switchboard container property sipPort must be a whole number, found 'five'");
        assertThatThrownBy(() -> valid().set("httpPort", "70000").validate())
                .hasMessage("Switchboard container property httpPort must be a port from 1 to 65535, or 0 for a free one; found 70000");
    }

    @Test
    void an_unknown_transport_is_named() {
        assertThatThrownBy(() -> valid().set("sipTransports", "udp,tls").validate())
                .hasMessageStartingWith("Switchboard container property sipTransports has 'tls'");
        assertThatThrownBy(() -> valid().set("sipTransports", " , ").validate())
                .hasMessageStartingWith("Switchboard container property sipTransports must name at least one");
    }

    @Test
    void a_configuration_file_must_be_readable_and_is_exclusive_with_inline_yaml() throws Exception {
        assertThatThrownBy(() -> valid().set("configFile", dir.resolve("missing.yaml").toString()).validate())
                .hasMessageStartingWith("Switchboard container property configFile names")
                .hasMessageContaining("not a readable file");
        Path file = Files.writeString(dir.resolve("switchboard.yaml"), "endpoints: []\n");
        assertThatThrownBy(() -> valid().set("configFile", file.toString()).set("configYaml", "endpoints: []").validate())
                .hasMessage("Switchboard container property configYaml and configFile are both set; give one of them");
    }

    @Test
    void a_database_url_must_be_a_jdbc_url() {
        assertThatThrownBy(() -> valid().set("databaseUrl", "postgres://localhost/sb").validate())
                .hasMessageStartingWith("Switchboard container property databaseUrl must be a JDBC URL");
    }

    @Test
    void the_startup_timeout_must_be_positive() {
        assertThatThrownBy(() -> valid().set("startupTimeoutSeconds", "0").validate())
                .hasMessage("Switchboard container property startupTimeoutSeconds must be at least 1, found 0");
    }
}
