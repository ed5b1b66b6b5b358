package org.switchboard.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.testing.Build;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipClient;

/**
 * What a developer does to add an endpoint of their own: a jar with their bean and a
 * META-INF/beans.xml, added to the archive's WEB-INF/lib, bound to an AOR in the configuration.
 */
class CustomBeanIT {

    @TempDir
    Path work;

    @Test
    void a_bean_from_a_jar_added_to_the_archive_is_discovered_and_answers() throws Exception {
        Path jar = work.resolve("greeter.jar");
        Path beans = Build.testClasses().resolve("org/switchboard/testing/beans");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar));
             Stream<Path> classes = Files.list(beans)) {
            put(out, "META-INF/beans.xml", "<beans bean-discovery-mode=\"annotated\" version=\"4.0\"/>".getBytes(StandardCharsets.UTF_8));
            for (Path file : (Iterable<Path>) classes::iterator) {
                put(out, "org/switchboard/testing/beans/" + file.getFileName(), Files.readAllBytes(file));
            }
        }
        Path war = work.resolve("switchboard-with-greeter.war");
        try (ZipFile original = new ZipFile(Build.war().toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(war))) {
            for (ZipEntry entry : Collections.list(original.entries())) {
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream in = original.getInputStream(entry)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
            put(out, "WEB-INF/lib/greeter.jar", Files.readAllBytes(jar));
        }

        try (RunningSwitchboard server = RunningSwitchboard.in(work).arg("--war", war.toString()).configText("""
                endpoints:
                  - aor: sip:greeter@example.com
                    bean: greeter
                    settings: {greeting: "Hello from a custom bean"}
                """).start();
             SipClient client = SipClient.udp()) {
            Response response = client.send(client.requestTo(Request.MESSAGE, "sip:greeter@example.com", "carol",
                    server.sipPort()), Duration.ofSeconds(10));
            assertThat(response.getStatusCode()).isEqualTo(200);
            assertThat(new String(response.getRawContent(), StandardCharsets.UTF_8))
                    .isEqualTo("Hello from a custom bean (sip:greeter@example.com)");
            assertThat(SipClient.contactUri(response)).startsWith("sip:greeter@example.com;gr=urn:uuid:");
        }
    }

    private static void put(ZipOutputStream out, String name, byte[] content) throws IOException {
        out.putNextEntry(new ZipEntry(name));
        try (OutputStream entry = new NonClosing(out)) {
            entry.write(content);
        }
        out.closeEntry();
    }

    /** Lets try-with-resources write an entry without closing the archive. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
