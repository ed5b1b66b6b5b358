package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.endpoint.Aor;
import org.switchboard.presence.PresenceKey;
import org.switchboard.presence.PresenceRepository;
import org.switchboard.presence.PresenceUpdate;
import org.switchboard.presence.PublishTime;
import org.switchboard.testing.MutableClock;

/**
 * What every database behind the presence store must do: the conditional write keeps, per presentity
 * and category, the update with the largest (publish time, digest), atomically, whoever writes; the
 * schema migrates once; the instance identity survives restarts. Subclasses say which database.
 */
@Timeout(180)
abstract class PresenceRepositoryContract {

    static final Aor ALICE = Aor.parse("sip:alice@example.com");
    static final Aor BOB = Aor.parse("sip:bob@example.com");
    static final String PIDF = "application/pidf+xml";
    static final long BASE = PublishTime.parse("2025-03-01T12:00:00Z").epochMicros();

    @TempDir
    Path dataDir;

    final MutableClock clock = new MutableClock();
    private final List<Database> opened = new ArrayList<>();
    Database database;
    PresenceRepository repository;

    /**
     * Opens a new {@link Database} (its own pool, its own JPA) on the database under test; every call
     * in one test reaches the same data, as two instances sharing it would.
     */
    abstract Database openDatabase(Path dataDir);

    /** Opens and remembers a database to close after the test. */
    final Database open(Path dir) {
        Database db = openDatabase(dir);
        opened.add(db);
        return db;
    }

    /** Closes a database before the end of the test, as an instance that stops. */
    final void close(Database db) {
        db.close();
        opened.remove(db);
    }

    @BeforeEach
    void openAndEmpty() throws SQLException {
        database = open(dataDir);
        repository = database.presenceRepository(clock);
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM presence_state");
            s.executeUpdate("DELETE FROM platform_instance");
        }
    }

    @AfterEach
    void closeAll() {
        for (Database db : opened) {
            db.close();
        }
    }

    static PresenceUpdate update(Aor presentity, String category, PublishTime time, String note) {
        return PresenceUpdate.of(presentity, category, time, PIDF,
                "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"" + presentity + "\"><note>" + note + "</note></presence>");
    }

    static PresenceUpdate at(long second) {
        return update(ALICE, "pidf", new PublishTime(BASE + second * 1_000_000L), "at " + second);
    }

    /** Two different updates with the same publish time, smaller digest first. */
    static List<PresenceUpdate> sameTimePair(long second) {
        PresenceUpdate a = update(ALICE, "pidf", new PublishTime(BASE + second * 1_000_000L), "a");
        PresenceUpdate b = update(ALICE, "pidf", new PublishTime(BASE + second * 1_000_000L), "b");
        assertThat(a.digest()).isNotEqualTo(b.digest());
        return a.digest() < b.digest() ? List.of(a, b) : List.of(b, a);
    }

    /** A row of presence_state as JDBC reads it. */
    record Row(String presentity, String category, long publishTime, long digest, String contentType, String document,
            String sourcePool, Instant storedAt) {
    }

    static Optional<Row> row(DataSource dataSource, PresenceKey key) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT presentity, category, publish_time, digest, content_type, document,"
                     + " source_pool, stored_at FROM presence_state WHERE presentity = ? AND category = ?")) {
            s.setString(1, key.presentity().toString());
            s.setString(2, key.category());
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Row row = new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                        rs.getString(6), rs.getString(7), rs.getObject(8, OffsetDateTime.class).toInstant());
                assertThat(rs.next()).as("one row per key").isFalse();
                return Optional.of(row);
            }
        }
    }

    Optional<Row> row(PresenceKey key) throws SQLException {
        return row(database.dataSource(), key);
    }

    static int count(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static void assertRowHolds(Row row, PresenceUpdate update, String pool, Instant storedAt) {
        assertThat(row).isEqualTo(new Row(update.presentity().toString(), update.category(), update.publishTime().epochMicros(),
                update.digest(), update.contentType(), update.document(), pool, storedAt));
    }

    // ---------------------------------------------------------------- the conditional write

    @Test
    void the_first_write_of_a_key_inserts_its_row() throws SQLException {
        PresenceUpdate first = at(1);

        assertThat(repository.writeIfNewer(first, "pool-a")).isTrue();

        assertRowHolds(row(first.key()).orElseThrow(), first, "pool-a", clock.instant());
        assertThat(repository.load(first.key())).contains(first);
        assertThat(count(database.dataSource(), "SELECT COUNT(*) FROM presence_state")).isEqualTo(1);
    }

    @Test
    void a_newer_update_overwrites_the_row() throws SQLException {
        repository.writeIfNewer(at(1), "pool-a");
        clock.advance(Duration.ofSeconds(30));

        assertThat(repository.writeIfNewer(at(2), "pool-b")).isTrue();

        assertRowHolds(row(at(2).key()).orElseThrow(), at(2), "pool-b", clock.instant());
        assertThat(repository.load(at(2).key())).contains(at(2));
    }

    @Test
    void an_older_update_is_refused_and_the_row_left_unchanged() throws SQLException {
        repository.writeIfNewer(at(5), "pool-a");
        Row before = row(at(5).key()).orElseThrow();
        clock.advance(Duration.ofSeconds(30));

        assertThat(repository.writeIfNewer(at(4), "pool-b")).isFalse();
        assertThat(repository.writeIfNewer(update(ALICE, "pidf", PublishTime.parse("1999-12-31T23:59:59Z"), "old"), "pool-b")).isFalse();

        assertThat(row(at(5).key())).contains(before);
        assertThat(repository.load(at(5).key())).contains(at(5));
    }

    @Test
    void on_equal_publish_times_the_larger_digest_wins_and_the_smaller_is_refused() throws SQLException {
        List<PresenceUpdate> pair = sameTimePair(3);
        PresenceUpdate smaller = pair.get(0);
        PresenceUpdate larger = pair.get(1);

        assertThat(repository.writeIfNewer(smaller, "pool-a")).isTrue();
        assertThat(repository.writeIfNewer(larger, "pool-b")).isTrue();
        assertThat(repository.writeIfNewer(smaller, "pool-a")).isFalse();

        assertRowHolds(row(larger.key()).orElseThrow(), larger, "pool-b", clock.instant());
    }

    @Test
    void digests_compare_as_signed_numbers_as_in_memory() throws SQLException {
        PublishTime time = new PublishTime(BASE);
        PresenceUpdate negative = new PresenceUpdate(ALICE, "pidf", time, PIDF, "<n/>", -5);
        PresenceUpdate positive = new PresenceUpdate(ALICE, "pidf", time, PIDF, "<p/>", 5);

        assertThat(repository.writeIfNewer(positive, "pool-a")).isTrue();
        assertThat(repository.writeIfNewer(negative, "pool-a")).isFalse();
        assertThat(row(positive.key()).orElseThrow().digest()).isEqualTo(5);
    }

    @Test
    void the_identical_update_is_refused_even_from_another_pool() throws SQLException {
        repository.writeIfNewer(at(1), "pool-a");
        Row before = row(at(1).key()).orElseThrow();
        clock.advance(Duration.ofSeconds(1));

        assertThat(repository.writeIfNewer(at(1), "pool-b")).isFalse();
        assertThat(repository.writeIfNewer(at(1), "pool-a")).isFalse();

        assertThat(row(at(1).key())).contains(before);
    }

    @Test
    void an_untimed_update_fills_an_empty_key_but_never_overwrites_a_timed_row() throws SQLException {
        PresenceUpdate untimed = update(ALICE, "pidf", PublishTime.UNKNOWN, "no time");
        PresenceUpdate timed = update(ALICE, "pidf", PublishTime.parse("1970-01-01T00:00:00Z"), "epoch");

        assertThat(repository.writeIfNewer(untimed, "pool-a")).isTrue();
        assertThat(row(untimed.key()).orElseThrow().publishTime()).isEqualTo(Long.MIN_VALUE);
        assertThat(repository.load(untimed.key())).contains(untimed);

        assertThat(repository.writeIfNewer(timed, "pool-a")).isTrue();
        PresenceUpdate untimedAgain = new PresenceUpdate(ALICE, "pidf", PublishTime.UNKNOWN, PIDF, "<max/>", Long.MAX_VALUE);
        assertThat(repository.writeIfNewer(untimedAgain, "pool-b")).isFalse();

        assertRowHolds(row(timed.key()).orElseThrow(), timed, "pool-a", clock.instant());
    }

    @Test
    void keys_are_independent() throws SQLException {
        PresenceUpdate alicePidf = at(10);
        PresenceUpdate aliceState = update(ALICE, "state/0@2", new PublishTime(BASE), "state");
        PresenceUpdate bobPidf = update(BOB, "pidf", new PublishTime(BASE - 1), "bob");

        assertThat(repository.writeIfNewer(alicePidf, "pool-a")).isTrue();
        assertThat(repository.writeIfNewer(aliceState, "pool-a")).isTrue();
        assertThat(repository.writeIfNewer(bobPidf, "pool-a")).isTrue();

        assertThat(repository.load(alicePidf.key())).contains(alicePidf);
        assertThat(repository.load(aliceState.key())).contains(aliceState);
        assertThat(repository.load(bobPidf.key())).contains(bobPidf);
        assertThat(repository.load(new PresenceKey(BOB, "state/0@2"))).isEmpty();
        assertThat(count(database.dataSource(), "SELECT COUNT(*) FROM presence_state")).isEqualTo(3);
    }

    @Test
    void a_large_document_with_any_characters_round_trips() {
        String note = "Grüße, 你好, \uD834\uDD1E, <&> \"quoted\" 'single' \t tab";
        StringBuilder body = new StringBuilder("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"><note>").append(note);
        String close = "</note></presence>";
        body.append("x".repeat(1_048_576 - body.length() - close.length())).append(close);
        PresenceUpdate large = PresenceUpdate.of(ALICE, "pidf", new PublishTime(BASE), PIDF, body.toString());
        assertThat(large.document()).hasSize(1_048_576);

        assertThat(repository.writeIfNewer(large, "pool-a")).isTrue();

        assertThat(repository.load(large.key())).contains(large);
    }

    @Test
    void a_second_repository_on_another_connection_pool_sees_and_respects_the_first_ones_writes() throws SQLException {
        Database other = open(dataDir.resolve("other-instance"));
        PresenceRepository otherRepository = other.presenceRepository(clock);

        assertThat(repository.writeIfNewer(at(5), "pool-a")).isTrue();
        assertThat(otherRepository.load(at(5).key())).contains(at(5));
        assertThat(otherRepository.writeIfNewer(at(4), "pool-b")).isFalse();
        assertThat(otherRepository.writeIfNewer(at(6), "pool-b")).isTrue();
        assertThat(repository.load(at(6).key())).contains(at(6));
        assertThat(row(other.dataSource(), at(6).key()).orElseThrow().sourcePool()).isEqualTo("pool-b");
    }

    // ---------------------------------------------------------------- many writers

    static final int WRITERS = 8;
    static final int KEYS = 20;

    /**
     * 500 different updates over 20 keys: per key 12 publish times with two contents each (equal times,
     * different digests) and one untimed update.
     */
    static List<PresenceUpdate> contendedUpdates() {
        List<PresenceUpdate> updates = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            Aor presentity = Aor.parse("sip:user" + (k % 10) + "@example.com");
            String category = k < 10 ? "pidf" : "state/0@2";
            for (int t = 0; t < 12; t++) {
                for (String content : List.of("x", "y")) {
                    updates.add(update(presentity, category, new PublishTime(BASE + t * 1_000L), k + content + t));
                }
            }
            updates.add(update(presentity, category, PublishTime.UNKNOWN, "untimed " + k));
        }
        return updates;
    }

    /** How many Database instances (connection pools) the concurrent writers share out between them. */
    int databasesForConcurrentWriters() {
        return 2;
    }

    @Test
    void concurrent_writers_in_different_orders_leave_every_key_at_its_newest_update() throws Exception {
        List<PresenceUpdate> updates = contendedUpdates();
        assertThat(updates).hasSize(500);
        Map<PresenceKey, PresenceUpdate> newest = new HashMap<>();
        for (PresenceUpdate u : updates) {
            newest.merge(u.key(), u, (a, b) -> a.stamp().compareTo(b.stamp()) >= 0 ? a : b);
        }
        assertThat(newest).hasSize(KEYS);
        List<PresenceRepository> repositories = new ArrayList<>(List.of(repository));
        for (int i = 1; i < databasesForConcurrentWriters(); i++) {
            repositories.add(open(dataDir.resolve("writer-" + i)).presenceRepository(clock));
        }
        Map<PresenceUpdate, AtomicInteger> successes = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                List<PresenceUpdate> order = new ArrayList<>(updates);
                Collections.shuffle(order, new Random(77L * (w + 1)));
                PresenceRepository target = repositories.get(w % repositories.size());
                String pool = "pool-" + (w % repositories.size());
                work.add(threads.submit(() -> {
                    start.await();
                    for (PresenceUpdate update : order) {
                        if (target.writeIfNewer(update, pool)) {
                            successes.computeIfAbsent(update, u -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : work) {
                f.get(150, TimeUnit.SECONDS); // rethrows a writer's exception
            }
        } finally {
            threads.shutdownNow();
        }

        for (Map.Entry<PresenceKey, PresenceUpdate> entry : newest.entrySet()) {
            PresenceUpdate max = entry.getValue();
            Row row = row(entry.getKey()).orElseThrow();
            assertThat(row.publishTime()).as("publish time of %s", entry.getKey()).isEqualTo(max.publishTime().epochMicros());
            assertThat(row.digest()).as("digest of %s", entry.getKey()).isEqualTo(max.digest());
            assertThat(row.document()).isEqualTo(max.document());
            assertThat(successes.get(max)).as("successful writes of the newest update of %s", entry.getKey()).hasValue(1);
        }
        assertThat(successes.values()).as("no update is written twice").allSatisfy(n -> assertThat(n).hasValue(1));
        assertThat(count(database.dataSource(), "SELECT COUNT(*) FROM presence_state")).isEqualTo(KEYS);
    }

    // ---------------------------------------------------------------- schema and identity

    @Test
    void opening_a_migrated_database_again_migrates_nothing_and_keeps_the_data() throws SQLException {
        repository.writeIfNewer(at(1), "pool-a");
        List<String> historyBefore = migrationHistory(database.dataSource());
        assertThat(historyBefore).hasSize(5);
        assertThat(historyBefore.get(0)).startsWith("1 true ");
        assertThat(historyBefore.get(1)).startsWith("2 true ");
        assertThat(historyBefore.get(2)).startsWith("3 true ");
        assertThat(historyBefore.get(3)).startsWith("4 true ");
        assertThat(historyBefore.get(4)).startsWith("5 true ");

        Database again = open(dataDir);

        assertThat(migrationHistory(again.dataSource())).isEqualTo(historyBefore);
        assertThat(Flyway.configure().dataSource(again.dataSource()).locations("classpath:db/migration").load()
                .info().pending()).isEmpty();
        assertThat(again.presenceRepository(clock).load(at(1).key())).contains(at(1));
    }

    static List<String> migrationHistory(DataSource dataSource) throws SQLException {
        List<String> history = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT \"version\", \"success\", \"installed_on\" FROM \"flyway_schema_history\""
                     + " WHERE \"version\" IS NOT NULL ORDER BY \"installed_rank\"")) {
            while (rs.next()) {
                history.add(rs.getString(1) + " " + rs.getBoolean(2) + " " + rs.getTimestamp(3).toInstant());
            }
        }
        return history;
    }

    @Test
    void a_restart_with_the_same_data_directory_keeps_the_instance_id_and_counts_the_start() throws Exception {
        InstanceIdentity first = database.recordStart(clock, dataDir);
        assertThat(first.startCount()).isEqualTo(1);
        assertThat(first.createdAt()).isEqualTo(clock.instant());
        assertThat(Files.readString(dataDir.resolve("instance-id")).trim()).isEqualTo(first.instanceId());
        Instant created = clock.instant();

        close(database);
        clock.advance(Duration.ofHours(1));
        Database restarted = open(dataDir);
        InstanceIdentity second = restarted.recordStart(clock, dataDir);

        assertThat(second.instanceId()).isEqualTo(first.instanceId());
        assertThat(second.startCount()).isEqualTo(2);
        assertThat(second.createdAt()).isEqualTo(created);
        assertThat(count(restarted.dataSource(), "SELECT COUNT(*) FROM platform_instance")).isEqualTo(1);
    }
}
