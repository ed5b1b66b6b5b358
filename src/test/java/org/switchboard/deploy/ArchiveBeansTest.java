package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveBeansTest {

    @TempDir
    Path dir;

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private Path war(Map<String, byte[]> entries) throws IOException {
        Path war = dir.resolve("app.war");
        try (OutputStream out = Files.newOutputStream(war)) {
            out.write(zip(entries));
        }
        return war;
    }

    private static Map<String, byte[]> application() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("WEB-INF/classes/META-INF/beans.xml", new byte[0]);
        entries.put("WEB-INF/classes/org/switchboard/endpoint/builtin/EchoEndpoint.class", new byte[1]);
        entries.put("WEB-INF/lib/library.jar", zip(Map.of("com/example/Library.class", new byte[1])));
        return entries;
    }

    @Test
    void the_application_alone_holds_only_the_shipped_beans() throws IOException {
        assertThat(ArchiveBeans.mayHoldBeansOfItsOwn(war(application()))).isFalse();
    }

    @Test
    void a_jar_with_beans_xml_may_hold_beans_of_the_users_own() throws IOException {
        Map<String, byte[]> entries = application();
        entries.put("WEB-INF/lib/greeter.jar", zip(Map.of("META-INF/beans.xml", new byte[0], "com/example/Greeter.class", new byte[1])));
        assertThat(ArchiveBeans.mayHoldBeansOfItsOwn(war(entries))).isTrue();
    }

    @Test
    void classes_added_outside_the_applications_package_may_be_beans() throws IOException {
        Map<String, byte[]> entries = application();
        entries.put("WEB-INF/classes/com/example/Greeter.class", new byte[1]);
        assertThat(ArchiveBeans.mayHoldBeansOfItsOwn(war(entries))).isTrue();
    }
}
