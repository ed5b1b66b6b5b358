package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.Build;

/** target/switchboard.war deploys unchanged into an installed Restcomm on Tomcat 7: it carries no container. */
class ArchiveContentsIT {

    /** Packages that the container provides; a copy inside the archive would clash with it. */
    private static final List<String> CONTAINER_PACKAGES = List.of("javax/servlet/", "javax/sip/", "gov/nist/",
            "org/mobicents/", "org/apache/catalina/", "org/apache/coyote/", "org/apache/tomcat/", "org/restcomm/",
            "javax/el/");

    @Test
    void sip_xml_comes_from_the_root_sip_xml() throws IOException {
        try (ZipFile war = new ZipFile(Build.war().toFile())) {
            ZipEntry sipXml = war.getEntry("WEB-INF/sip.xml");
            assertThat(sipXml).isNotNull();
            try (InputStream in = war.getInputStream(sipXml)) {
                assertThat(in.readAllBytes()).isEqualTo(Files.readAllBytes(Build.basedir().resolve("sip.xml")));
            }
            assertThat(war.getEntry("WEB-INF/web.xml")).isNotNull();
        }
    }

    @Test
    void no_container_class_is_bundled_in_any_form() throws IOException {
        List<String> offending = new ArrayList<>();
        try (ZipFile war = new ZipFile(Build.war().toFile())) {
            for (ZipEntry entry : Collections.list(war.entries())) {
                String name = entry.getName();
                if (name.startsWith("WEB-INF/lib/") && name.endsWith(".jar")) {
                    try (JarInputStream jar = new JarInputStream(war.getInputStream(entry))) {
                        for (ZipEntry inner; (inner = jar.getNextEntry()) != null; ) {
                            if (isContainerClass(inner.getName())) {
                                offending.add(name + "!" + inner.getName());
                            }
                        }
                    }
                } else if (name.startsWith("WEB-INF/classes/") && isContainerClass(name.substring(16))) {
                    offending.add(name);
                }
            }
        }
        assertThat(offending).isEmpty();
    }

    @Test
    void the_embedded_runner_is_not_in_the_archive() throws IOException {
        try (ZipFile war = new ZipFile(Build.war().toFile())) {
            assertThat(Collections.list(war.entries())).map(ZipEntry::getName)
                    .noneMatch(n -> n.startsWith("WEB-INF/classes/org/switchboard/deploy/"))
                    .anyMatch(n -> n.startsWith("WEB-INF/classes/org/switchboard/dispatch/"));
        }
    }

    private static boolean isContainerClass(String path) {
        return path.endsWith(".class") && CONTAINER_PACKAGES.stream().anyMatch(path::startsWith);
    }
}
