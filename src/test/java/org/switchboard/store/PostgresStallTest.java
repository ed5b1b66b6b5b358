package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.testing.TestPostgres;

/**
 * Issue 17: a real PostgreSQL that stalls (every process of it stopped with SIGSTOP: connections open, nothing
 * answered) fails a statement after the socket timeout (four connection timeouts) instead of holding the calling
 * thread — a SIP thread offering a NOTIFY's presence — for ever, which the driver's default would.
 */
@Timeout(120)
class PostgresStallTest {

    @TempDir
    Path work;

    @Test
    void a_stalled_server_fails_the_statement_after_the_socket_timeout() throws Exception {
        Path pgData = work.resolve("pg");
        try (TestPostgres postgres = TestPostgres.start(pgData, FreePorts.udpAndTcp());
             Database database = Database.open(postgres.settings(2, 1), work.resolve("data"))) {
            PresenceRepository repository = database.presenceRepository(Clock.systemUTC());
            assertThat(repository.writeIfNewer(PresenceRepositoryContract.at(1), "pool-a")).isTrue();

            String postmaster = Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).trim();
            signal("STOP", postmaster);
            long began = System.nanoTime();
            try {
                CompletableFuture<Boolean> write = CompletableFuture.supplyAsync(
                        () -> repository.writeIfNewer(PresenceRepositoryContract.at(2), "pool-a"));
                Throwable failure = null;
                try {
                    write.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    failure = e.getCause();
                } catch (TimeoutException e) {
                    failure = e;
                }
                double seconds = (System.nanoTime() - began) / 1e9;
                System.out.printf("stall: the write ended after %.1f s with %s%n", seconds, failure);
                assertThat(failure).as("the write to a stalled server fails, it does not hang").isNotNull()
                        .isNotInstanceOf(TimeoutException.class);
            } finally {
                signal("CONT", postmaster);
            }
            assertThat(repository.writeIfNewer(PresenceRepositoryContract.at(3), "pool-a")).as("once it answers again").isTrue();
        }
    }

    /** Sends the signal to the server and every process it started (its backends). */
    private static void signal(String signal, String postmaster) throws Exception {
        new ProcessBuilder("pkill", "-" + signal, "-P", postmaster).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
        new ProcessBuilder("kill", "-" + signal, postmaster).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }
}
