package org.switchboard.arquillian;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedArchivesTest {

    @TempDir
    Path dir;

    private Path war;
    private final MergedArchives archives = new MergedArchives();

    @BeforeEach
    void aSwitchboardWar() {
        war = dir.resolve("switchboard.war");
        ShrinkWrap.create(WebArchive.class, "switchboard.war").add(new StringAsset("<sip-app/>"), "WEB-INF/sip.xml")
                .as(ZipExporter.class).exportTo(war.toFile());
    }

    private static WebArchive withBean(String content) {
        return SwitchboardDeployment.switchboard().addAsLibrary(
                ShrinkWrap.create(JavaArchive.class, "beans.jar").add(new StringAsset(content), "Bean.class"));
    }

    @Test
    void a_deployment_that_adds_only_its_configuration_runs_the_war_itself() throws Exception {
        WebArchive deployment = SwitchboardDeployment.configuration(SwitchboardDeployment.switchboard(), "endpoints: []");

        assertThat(archives.warFor(war, deployment, SwitchboardDeployment.CONFIGURATION_PATH)).isEqualTo(war.toAbsolutePath());
        assertThat(archives.exportCount()).isZero();
    }

    @Test
    void the_same_content_is_exported_once_and_other_content_again() throws Exception {
        Path first = archives.warFor(war, withBean("one"), SwitchboardDeployment.CONFIGURATION_PATH);
        Path again = archives.warFor(war, withBean("one"), SwitchboardDeployment.CONFIGURATION_PATH);
        Path other = archives.warFor(war, withBean("two"), SwitchboardDeployment.CONFIGURATION_PATH);

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(archives.exportCount()).isEqualTo(2);
    }

    @Test
    void the_merged_war_holds_the_war_and_the_added_jar_but_not_the_configuration() throws Exception {
        WebArchive deployment = SwitchboardDeployment.configuration(withBean("one"), "endpoints: []");

        Path merged = archives.warFor(war, deployment, SwitchboardDeployment.CONFIGURATION_PATH);

        WebArchive read = ShrinkWrap.createFromZipFile(WebArchive.class, merged.toFile());
        assertThat(read.contains("WEB-INF/sip.xml")).isTrue();
        assertThat(read.contains("WEB-INF/lib/beans.jar")).isTrue();
        assertThat(read.contains(SwitchboardDeployment.CONFIGURATION_PATH)).isFalse();
    }

    @Test
    void a_configuration_made_at_deployment_is_not_read_to_choose_the_war() throws Exception {
        WebArchive deployment = SwitchboardDeployment.configuration(withBean("one"), () -> {
            throw new AssertionError("read too early");
        });

        assertThat(archives.warFor(war, deployment, SwitchboardDeployment.CONFIGURATION_PATH)).isNotEqualTo(war.toAbsolutePath());
    }
}
