package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What deploy/pool reads of a log since a point: only what was written after it, nothing from a log not there yet. */
class LogFileTest {

    @TempDir
    Path dir;

    @Test
    void a_log_not_written_yet_has_size_0_and_no_text() throws Exception {
        Path log = dir.resolve("instance-1.log");
        assertThat(LogFile.size(log)).isZero();
        assertThat(LogFile.textFrom(log, 0)).isEmpty();
    }

    @Test
    void only_the_text_after_the_offset_is_read() throws Exception {
        Path log = Files.writeString(dir.resolve("kamailio.log"), "pool: instance sip:127.0.0.1:5070 is up\n");
        long offset = LogFile.size(log);
        Files.writeString(log, "pool: instance sip:127.0.0.1:5070 is down\n", StandardOpenOption.APPEND);
        assertThat(LogFile.textFrom(log, offset)).isEqualTo("pool: instance sip:127.0.0.1:5070 is down\n");
        assertThat(LogFile.textFrom(log, 0)).startsWith("pool: instance sip:127.0.0.1:5070 is up\n").endsWith("is down\n");
    }

    @Test
    void an_offset_at_or_past_the_end_reads_nothing() throws Exception {
        Path log = Files.writeString(dir.resolve("instance-2.log"), "Switchboard ready: SIP 127.0.0.1:5080\n");
        assertThat(LogFile.textFrom(log, LogFile.size(log))).isEmpty();
        assertThat(LogFile.textFrom(log, LogFile.size(log) + 10)).isEmpty();
    }
}
