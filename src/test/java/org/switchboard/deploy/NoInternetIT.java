package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Build;
import org.switchboard.testing.OutboundConnectionRecorder;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.StatisticsSenderProbe;

/**
 * The container never contacts the internet: Restcomm's statistics sender is neutralised. A JVM-wide
 * recorder sees every name lookup and connection to a non-local host.
 */
class NoInternetIT {

    @TempDir
    Path work;

    private static final String RECORDER = "-Djava.security.manager=" + OutboundConnectionRecorder.class.getName();

    @Test
    void the_recorder_sees_restcomms_statistics_sender_when_it_is_left_alone() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                RECORDER, "-cp", Build.testClasses() + File.pathSeparator + Build.runnerDir().resolve("lib") + File.separator + "*",
                StatisticsSenderProbe.class.getName()));
        Path err = work.resolve("probe.err");
        Process probe = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectOutput(work.resolve("probe.out").toFile()).redirectError(err.toFile()).start();
        assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(err)).contains(OutboundConnectionRecorder.MARK + "statistics.restcomm.com");
    }

    @Test
    void start_traffic_and_stop_make_no_outbound_attempt() throws Exception {
        RunningSwitchboard server = RunningSwitchboard.in(work).jvmOption(RECORDER)
                .classpath(Build.testClasses().toString()).start();
        try (SipClient client = SipClient.udp()) {
            assertThat(client.send(client.request(Request.OPTIONS, "sip:ping@127.0.0.1:" + server.sipPort(), "monitor"),
                    Duration.ofSeconds(10)).getStatusCode()).isEqualTo(200);
            assertThat(client.send(client.request(Request.MESSAGE, "sip:nobody@127.0.0.1:" + server.sipPort(), "monitor"),
                    Duration.ofSeconds(10)).getStatusCode()).isEqualTo(404);
        }
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.http("/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(server.terminate(Duration.ofSeconds(20))).isZero();
        assertThat(server.stderr()).doesNotContain(OutboundConnectionRecorder.MARK);
    }
}
