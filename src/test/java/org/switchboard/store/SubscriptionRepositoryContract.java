package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.endpoint.Aor;
import org.switchboard.subscription.DialogData;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.SubscriptionRecord.RecordState;
import org.switchboard.subscription.SubscriptionRecord.SubscriptionKey;
import org.switchboard.subscription.SubscriptionRecord;
import org.switchboard.subscription.SubscriptionRepository;

/**
 * What every database behind the subscription records must do: a write applies only over a lower version,
 * in one statement, whoever writes; every field reads back as written; the (direction, AOR, JID) key is
 * unique; recovery runs page through the stalest records, each exactly once. Every assertion on a write
 * reads the table itself. Subclasses say which database.
 */
@Timeout(180)
abstract class SubscriptionRepositoryContract {

    static final Aor ALICE = Aor.parse("sip:alice@example.com");
    static final Aor BOB = Aor.parse("sip:bob@example.com");
    static final String JULIET = "juliet@xmpp.example.org";
    static final String ROMEO = "romeo@xmpp.example.org";
    static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    @TempDir
    Path dataDir;

    private final List<Database> opened = new ArrayList<>();
    Database database;
    SubscriptionRepository repository;

    /**
     * Opens a new {@link Database} (its own pool, its own JPA) on the database under test; every call in
     * one test reaches the same data, as two instances sharing it would.
     */
    abstract Database openDatabase(Path dataDir);

    /** How many Database instances (connection pools) the concurrent writers share out between them. */
    int databasesForConcurrentWriters() {
        return 2;
    }

    final Database open(Path dir) {
        Database db = openDatabase(dir);
        opened.add(db);
        return db;
    }

    @BeforeEach
    void openAndEmpty() throws SQLException {
        database = open(dataDir);
        repository = database.subscriptionRepository();
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("TRUNCATE TABLE subscription_record");
        }
    }

    @AfterEach
    void closeAll() {
        for (Database db : opened) {
            db.close();
        }
    }

    // ---------------------------------------------------------------- helpers

    static DialogData dialog(String callId, long remoteCseq, List<String> routeSet, Optional<Instant> expiresAt) {
        return new DialogData(callId, "local-tag-1", "remote-tag-1", 7, remoteCseq, routeSet, "sip:alice@192.0.2.10:5060;transport=tcp",
                expiresAt);
    }

    /** A record never recovered, with a one-route dialog expiring an hour after activation. */
    static SubscriptionRecord record(String id, Direction direction, Aor aor, String jid, long version) {
        return new SubscriptionRecord(id, direction, aor, jid, RecordState.ACTIVE, T0, Optional.empty(),
                dialog("call-" + id, 1, List.of("<sip:proxy.example.com;lr>"), Optional.of(T0.plus(Duration.ofHours(1)))), version);
    }

    static SubscriptionRecord record(String id, long version) {
        return record(id, Direction.OUTGOING_SIP, Aor.parse("sip:" + id + "@example.com"), JULIET, version);
    }

    static SubscriptionRecord recoveredAt(SubscriptionRecord r, Optional<Instant> when) {
        return new SubscriptionRecord(r.id(), r.direction(), r.sipAor(), r.xmppJid(), r.state(), r.activatedAt(), when, r.dialog(),
                r.version());
    }

    /** A row of subscription_record as JDBC reads it; absent timestamps are null. */
    record Row(String id, String direction, String sipAor, String xmppJid, String state, Instant activatedAt,
            Instant lastRecoveredAt, long version, String callId, String localTag, String remoteTag, long localCseq,
            long remoteCseq, String routeSet, String remoteTarget, Instant expiresAt) {
    }

    /** The row a record is stored as: route URIs one a line, timestamps to the microsecond. */
    static Row rowOf(SubscriptionRecord r) {
        DialogData d = r.dialog();
        return new Row(r.id(), r.direction().name(), r.sipAor().toString(), r.xmppJid(), r.state().name(), micros(r.activatedAt()),
                r.lastRecoveredAt().map(SubscriptionRepositoryContract::micros).orElse(null), r.version(), d.callId(), d.localTag(),
                d.remoteTag(), d.localCseq(), d.remoteCseq(), String.join("\n", d.routeSet()), d.remoteTarget(),
                d.expiresAt().map(SubscriptionRepositoryContract::micros).orElse(null));
    }

    static Instant micros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    static Optional<Row> row(DataSource dataSource, String id) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT id, direction, sip_aor, xmpp_jid, state, activated_at, last_recovered_at,"
                     + " version, call_id, local_tag, remote_tag, local_cseq, remote_cseq, route_set, remote_target, expires_at"
                     + " FROM subscription_record WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Row row = new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                        instant(rs, 6), instant(rs, 7), rs.getLong(8), rs.getString(9), rs.getString(10), rs.getString(11),
                        rs.getLong(12), rs.getLong(13), rs.getString(14), rs.getString(15), instant(rs, 16));
                assertThat(rs.next()).as("one row per id").isFalse();
                return Optional.of(row);
            }
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    Optional<Row> row(String id) throws SQLException {
        return row(database.dataSource(), id);
    }

    int rowCount() throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM subscription_record")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static boolean hasSqlState(Throwable e, String state) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && state.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- writing and reading back

    @Test
    void a_record_with_every_field_set_is_stored_column_by_column_and_reads_back_as_written() throws SQLException {
        List<String> routes = List.of("<sip:edge.example.com;lr>", "<sip:core.example.com:5061;transport=tls;lr>",
                "<sip:[2001:db8::1];lr;x=a,b>");
        SubscriptionRecord written = new SubscriptionRecord("0b9f4c3e-6a8e-4d55-9d1e-2f7c1a2b3c4d", Direction.INCOMING_SIP,
                Aor.parse("sip:alice@example.com;transport=tcp"), "juliet@xmpp.example.org", RecordState.PENDING,
                Instant.parse("2025-03-01T12:00:00.123456Z"), Optional.of(Instant.parse("2025-03-02T08:30:00.000001Z")),
                new DialogData("a84b4c76e66710@pc33.example.com", "1928301774", "a6c85cf", 314159, 4_000_000_000L, routes,
                        "sip:alice@192.0.2.4:5070;ob", Optional.of(Instant.parse("2025-03-01T13:00:00Z"))),
                42);

        repository.upsert(written);

        assertThat(row(written.id())).contains(new Row("0b9f4c3e-6a8e-4d55-9d1e-2f7c1a2b3c4d", "INCOMING_SIP",
                "sip:alice@example.com", "juliet@xmpp.example.org", "PENDING", Instant.parse("2025-03-01T12:00:00.123456Z"),
                Instant.parse("2025-03-02T08:30:00.000001Z"), 42, "a84b4c76e66710@pc33.example.com", "1928301774", "a6c85cf",
                314159, 4_000_000_000L,
                "<sip:edge.example.com;lr>\n<sip:core.example.com:5061;transport=tls;lr>\n<sip:[2001:db8::1];lr;x=a,b>",
                "sip:alice@192.0.2.4:5070;ob", Instant.parse("2025-03-01T13:00:00Z")));
        assertThat(repository.find(written.id())).contains(written);
        assertThat(repository.find(written.id()).orElseThrow().dialog().routeSet()).containsExactlyElementsOf(routes);
        assertThat(repository.find(written.key())).contains(written);
        assertThat(repository.all()).containsExactly(written);
    }

    @Test
    void a_never_recovered_record_without_expiry_or_routes_stores_nulls_and_an_empty_route_set_and_reads_back_as_written()
            throws SQLException {
        SubscriptionRecord written = new SubscriptionRecord("sub-empty", Direction.OUTGOING_SIP, BOB, ROMEO, RecordState.PENDING, T0,
                Optional.empty(), DialogData.none(), 1);

        repository.upsert(written);

        Row row = row("sub-empty").orElseThrow();
        assertThat(row.lastRecoveredAt()).isNull();
        assertThat(row.expiresAt()).isNull();
        assertThat(row.routeSet()).isEmpty();
        assertThat(row).isEqualTo(new Row("sub-empty", "OUTGOING_SIP", "sip:bob@example.com", ROMEO, "PENDING", T0, null, 1, "", "",
                "", 0, 0, "", "", null));
        SubscriptionRecord read = repository.find("sub-empty").orElseThrow();
        assertThat(read).isEqualTo(written);
        assertThat(read.lastRecoveredAt()).isEmpty();
        assertThat(read.dialog().expiresAt()).isEmpty();
        assertThat(read.dialog().routeSet()).isEmpty();
    }

    @Test
    void a_single_route_reads_back_as_one_route() {
        SubscriptionRecord written = record("sub-1", 1);
        assertThat(written.dialog().routeSet()).hasSize(1);

        repository.upsert(written);

        assertThat(repository.find("sub-1").orElseThrow().dialog().routeSet()).containsExactly("<sip:proxy.example.com;lr>");
    }

    @Test
    void timestamps_are_stored_in_utc_to_the_microsecond_and_cut_below_it() throws SQLException {
        Instant nanos = Instant.parse("2025-03-01T12:00:00.123456999Z"); // H2 would round it up, PostgreSQL too
        SubscriptionRecord base = record("sub-ns", 1);
        SubscriptionRecord written = new SubscriptionRecord("sub-ns", base.direction(), base.sipAor(), base.xmppJid(), base.state(),
                nanos, Optional.of(nanos.minusNanos(998)), dialog("c", 1, List.of(), Optional.of(nanos.plusSeconds(3600))), 1);

        repository.upsert(written);

        Row row = row("sub-ns").orElseThrow();
        assertThat(row.activatedAt()).isEqualTo(Instant.parse("2025-03-01T12:00:00.123456Z"));
        assertThat(row.lastRecoveredAt()).isEqualTo(Instant.parse("2025-03-01T12:00:00.123456Z"));
        assertThat(row.expiresAt()).isEqualTo(Instant.parse("2025-03-01T13:00:00.123456Z"));
        SubscriptionRecord read = repository.find("sub-ns").orElseThrow();
        assertThat(read.activatedAt()).isEqualTo(micros(nanos));
        assertThat(read.lastRecoveredAt()).contains(micros(nanos));
        assertThat(read.dialog().expiresAt()).contains(micros(nanos.plusSeconds(3600)));
    }

    @Test
    void a_higher_version_replaces_the_row() throws SQLException {
        SubscriptionRecord first = record("sub-1", 3);
        repository.upsert(first);
        SubscriptionRecord second = first.withState(RecordState.PENDING)
                .withDialog(dialog("call-2", 9, List.of("<sip:a;lr>", "<sip:b;lr>"), Optional.empty()))
                .recoveredAt(T0.plusSeconds(60));
        assertThat(second.version()).isEqualTo(6);

        repository.upsert(second);

        assertThat(row("sub-1")).contains(rowOf(second));
        assertThat(repository.find("sub-1")).contains(second);
        assertThat(rowCount()).isEqualTo(1);
    }

    @Test
    void a_lower_or_equal_version_is_ignored_and_the_row_left_unchanged() throws SQLException {
        SubscriptionRecord stored = record("sub-1", 5);
        repository.upsert(stored);
        Row before = row("sub-1").orElseThrow();
        DialogData other = dialog("other-call", 99, List.of("<sip:elsewhere;lr>"), Optional.empty());
        SubscriptionRecord equal = new SubscriptionRecord("sub-1", Direction.INCOMING_SIP, BOB, ROMEO, RecordState.PENDING,
                T0.plusSeconds(5), Optional.of(T0.plusSeconds(6)), other, 5);
        SubscriptionRecord lower = new SubscriptionRecord("sub-1", Direction.INCOMING_SIP, BOB, ROMEO, RecordState.PENDING,
                T0.plusSeconds(5), Optional.of(T0.plusSeconds(6)), other, 4);

        repository.upsert(equal);
        repository.upsert(lower);
        repository.upsert(new SubscriptionRecord("sub-1", Direction.INCOMING_SIP, BOB, ROMEO, RecordState.PENDING, T0, Optional.empty(),
                other, Long.MIN_VALUE));

        assertThat(row("sub-1")).contains(before);
        assertThat(before).isEqualTo(rowOf(stored));
        assertThat(repository.find("sub-1")).contains(stored);
    }

    @Test
    void delete_removes_the_row_and_deleting_a_missing_id_is_no_error() throws SQLException {
        repository.upsert(record("sub-1", 1));
        repository.upsert(record("sub-2", 1));

        repository.delete("sub-1");
        repository.delete("sub-1");
        repository.delete("never-there");

        assertThat(row("sub-1")).isEmpty();
        assertThat(row("sub-2")).contains(rowOf(record("sub-2", 1)));
        assertThat(repository.find("sub-1")).isEmpty();
        assertThat(repository.find(record("sub-1", 1).key())).isEmpty();
        assertThat(rowCount()).isEqualTo(1);
    }

    @Test
    void a_deleted_record_can_be_stored_again_from_any_version() throws SQLException {
        repository.upsert(record("sub-1", 10));
        repository.delete("sub-1");

        repository.upsert(record("sub-1", 1));

        assertThat(row("sub-1")).contains(rowOf(record("sub-1", 1)));
    }

    @Test
    void find_by_key_matches_direction_aor_and_jid_all_three() {
        SubscriptionRecord outAliceJuliet = record("a", Direction.OUTGOING_SIP, ALICE, JULIET, 1);
        SubscriptionRecord inAliceJuliet = record("b", Direction.INCOMING_SIP, ALICE, JULIET, 1);
        SubscriptionRecord outBobJuliet = record("c", Direction.OUTGOING_SIP, BOB, JULIET, 1);
        SubscriptionRecord outAliceRomeo = record("d", Direction.OUTGOING_SIP, ALICE, ROMEO, 1);
        for (SubscriptionRecord r : List.of(outAliceJuliet, inAliceJuliet, outBobJuliet, outAliceRomeo)) {
            repository.upsert(r);
        }

        assertThat(repository.find(new SubscriptionKey(Direction.OUTGOING_SIP, ALICE, JULIET))).contains(outAliceJuliet);
        assertThat(repository.find(new SubscriptionKey(Direction.INCOMING_SIP, ALICE, JULIET))).contains(inAliceJuliet);
        assertThat(repository.find(new SubscriptionKey(Direction.OUTGOING_SIP, BOB, JULIET))).contains(outBobJuliet);
        assertThat(repository.find(new SubscriptionKey(Direction.OUTGOING_SIP, ALICE, ROMEO))).contains(outAliceRomeo);
        assertThat(repository.find(new SubscriptionKey(Direction.INCOMING_SIP, BOB, JULIET))).isEmpty();
        assertThat(repository.find(new SubscriptionKey(Direction.OUTGOING_SIP, ALICE, "JULIET@xmpp.example.org"))).isEmpty();
        // The AOR of another spelling of the same URI is the same AOR.
        assertThat(repository.find(new SubscriptionKey(Direction.OUTGOING_SIP, Aor.parse("sip:alice@EXAMPLE.com;transport=tcp"), JULIET)))
                .contains(outAliceJuliet);
        assertThat(repository.all()).containsExactly(outAliceJuliet, inAliceJuliet, outBobJuliet, outAliceRomeo);
    }

    @Test
    void the_database_unique_key_refuses_a_second_record_with_the_same_direction_aor_and_jid_under_another_id() throws SQLException {
        SubscriptionRecord first = record("sub-1", Direction.OUTGOING_SIP, ALICE, JULIET, 1);
        repository.upsert(first);
        SubscriptionRecord sameKey = record("sub-2", Direction.OUTGOING_SIP, ALICE, JULIET, 1);

        assertThatThrownBy(() -> repository.upsert(sameKey))
                .satisfies(e -> assertThat(hasSqlState(e, "23505")).as("a unique violation: %s", e).isTrue());

        assertThat(row("sub-1")).contains(rowOf(first));
        assertThat(row("sub-2")).isEmpty();
        assertThat(rowCount()).isEqualTo(1);
        assertThat(repository.find(first.key())).contains(first);
    }

    @Test
    void the_database_unique_key_refuses_an_update_moving_a_record_onto_another_records_key() throws SQLException {
        SubscriptionRecord alice = record("sub-1", Direction.OUTGOING_SIP, ALICE, JULIET, 1);
        SubscriptionRecord bob = record("sub-2", Direction.OUTGOING_SIP, BOB, JULIET, 1);
        repository.upsert(alice);
        repository.upsert(bob);
        SubscriptionRecord bobOntoAlice = record("sub-2", Direction.OUTGOING_SIP, ALICE, JULIET, 2);

        assertThatThrownBy(() -> repository.upsert(bobOntoAlice))
                .satisfies(e -> assertThat(hasSqlState(e, "23505")).as("a unique violation: %s", e).isTrue());

        assertThat(row("sub-1")).contains(rowOf(alice));
        assertThat(row("sub-2")).contains(rowOf(bob));
    }

    @Test
    void a_value_longer_than_its_column_is_refused_never_cut() throws SQLException {
        String longJid = "j".repeat(500) + "@xmpp.example.org"; // 517 characters; the column holds 512
        SubscriptionRecord tooLong = record("sub-1", Direction.OUTGOING_SIP, ALICE, longJid, 1);

        assertThatThrownBy(() -> repository.upsert(tooLong))
                .satisfies(e -> assertThat(hasSqlState(e, "22001")).as("string data, right truncation: %s", e).isTrue());

        assertThat(rowCount()).isZero();
    }

    @Test
    void a_route_that_is_empty_or_holds_a_line_break_is_refused_before_the_database() throws SQLException {
        SubscriptionRecord base = record("sub-1", 1);
        for (List<String> routes : List.of(List.of("<sip:a;lr>", ""), List.of("<sip:a;lr>\n<sip:b;lr>"), List.of("<sip:a;lr>\r"))) {
            SubscriptionRecord bad = base.withDialog(dialog("c", 1, routes, Optional.empty()));
            assertThatThrownBy(() -> repository.upsert(bad)).isInstanceOf(IllegalArgumentException.class);
        }

        assertThat(rowCount()).isZero();
    }

    // ---------------------------------------------------------------- recovery runs

    @Test
    void stalest_puts_never_recovered_first_then_the_oldest_recovery_and_breaks_ties_by_id() {
        Instant runStart = T0.plus(Duration.ofDays(1));
        // Ids chosen so that byte order (B < a < b) differs from dictionary order (a < b < B).
        List<SubscriptionRecord> records = List.of(
                recoveredAt(record("b-never", 1), Optional.empty()),
                recoveredAt(record("x-newest", 1), Optional.of(runStart.minusNanos(1_000))),
                recoveredAt(record("B-never", 1), Optional.empty()),
                recoveredAt(record("m-tie", 1), Optional.of(runStart.minusSeconds(30))),
                recoveredAt(record("a-oldest", 1), Optional.of(runStart.minus(Duration.ofHours(5)))),
                recoveredAt(record("after-run-start", 1), Optional.of(runStart.plusSeconds(1))),
                recoveredAt(record("K-tie", 1), Optional.of(runStart.minusSeconds(30))),
                recoveredAt(record("a-never", 1), Optional.empty()),
                recoveredAt(record("at-run-start", 1), Optional.of(runStart)),
                recoveredAt(record("k-tie", 1), Optional.of(runStart.minusSeconds(30))));
        for (SubscriptionRecord r : records) {
            repository.upsert(r);
        }

        List<String> expected = List.of("B-never", "a-never", "b-never", "a-oldest", "K-tie", "k-tie", "m-tie", "x-newest");
        assertThat(repository.stalest(runStart, 100)).extracting(SubscriptionRecord::id).containsExactlyElementsOf(expected);
        assertThat(repository.stalest(runStart, 4)).extracting(SubscriptionRecord::id).containsExactlyElementsOf(expected.subList(0, 4));
        assertThat(repository.stalest(runStart, 1)).extracting(SubscriptionRecord::id).containsExactly("B-never");
        assertThat(repository.stalest(runStart, 100)).allSatisfy(r -> assertThat(r).isEqualTo(records.stream()
                .filter(w -> w.id().equals(r.id())).findFirst().orElseThrow()));
    }

    @Test
    void records_recovered_before_the_run_start_come_back_and_those_recovered_at_or_after_it_do_not() {
        Instant runStart = Instant.parse("2025-03-02T00:00:00.000000500Z"); // a run start below the microsecond
        repository.upsert(recoveredAt(record("never", 1), Optional.empty()));
        repository.upsert(recoveredAt(record("long-before", 1), Optional.of(runStart.minus(Duration.ofDays(30)))));
        repository.upsert(recoveredAt(record("just-before", 1), Optional.of(runStart.minusNanos(1_500))));
        repository.upsert(recoveredAt(record("at-start", 1), Optional.of(runStart)));
        repository.upsert(recoveredAt(record("just-after", 1), Optional.of(runStart.plusNanos(1_000))));
        repository.upsert(recoveredAt(record("long-after", 1), Optional.of(runStart.plus(Duration.ofDays(1)))));

        assertThat(repository.stalest(runStart, 10)).extracting(SubscriptionRecord::id)
                .containsExactly("never", "long-before", "just-before");
        assertThat(repository.countNotRecoveredSince(runStart)).isEqualTo(3);
        assertThat(repository.countNotRecoveredSince(runStart.minus(Duration.ofDays(31)))).isEqualTo(1);
        assertThat(repository.countNotRecoveredSince(runStart.plus(Duration.ofDays(2)))).isEqualTo(6);
        assertThat(repository.stalest(runStart.plus(Duration.ofDays(2)), 10)).hasSize(6);
    }

    @Test
    void count_not_recovered_since_follows_the_recovery_of_each_record() {
        Instant runStart = T0.plus(Duration.ofHours(1));
        assertThat(repository.countNotRecoveredSince(runStart)).isZero();
        for (int i = 0; i < 5; i++) {
            repository.upsert(record("sub-" + i, 1));
        }
        assertThat(repository.countNotRecoveredSince(runStart)).isEqualTo(5);

        repository.upsert(record("sub-0", 1).recoveredAt(runStart.plusSeconds(1)));
        repository.upsert(record("sub-1", 1).recoveredAt(runStart.minusSeconds(1)));
        repository.delete("sub-2");

        assertThat(repository.countNotRecoveredSince(runStart)).isEqualTo(3);
        assertThat(repository.stalest(runStart, 10)).extracting(SubscriptionRecord::id).containsExactly("sub-3", "sub-4", "sub-1");
    }

    @Test
    void a_run_paging_through_250_records_in_batches_of_100_recovers_each_exactly_once_then_finds_none() throws SQLException {
        Instant runStart = T0.plus(Duration.ofDays(7));
        List<SubscriptionRecord> stale = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            Optional<Instant> lastRecovered = i % 5 == 0 ? Optional.empty() : Optional.of(runStart.minus(Duration.ofMinutes(i % 37)).minusMillis(1));
            stale.add(recoveredAt(record(String.format("rec-%03d", (i * 7) % 250), 1), lastRecovered));
        }
        List<SubscriptionRecord> fresh = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fresh.add(recoveredAt(record("fresh-" + i, 1), Optional.of(runStart.plusSeconds(i))));
        }
        Collections.shuffle(stale, new Random(6));
        for (SubscriptionRecord r : stale) {
            repository.upsert(r);
        }
        fresh.forEach(repository::upsert);
        List<String> expectedOrder = stale.stream()
                .sorted(Comparator.comparing((SubscriptionRecord r) -> r.lastRecoveredAt().orElse(Instant.MIN))
                        .thenComparing(SubscriptionRecord::id))
                .map(SubscriptionRecord::id)
                .toList();
        assertThat(repository.countNotRecoveredSince(runStart)).isEqualTo(250);

        List<Integer> batchSizes = new ArrayList<>();
        List<String> recovered = new ArrayList<>();
        Instant now = runStart;
        for (int run = 0; run < 10; run++) { // bounded: 4 batches are expected
            List<SubscriptionRecord> batch = repository.stalest(runStart, 100);
            batchSizes.add(batch.size());
            if (batch.isEmpty()) {
                break;
            }
            for (SubscriptionRecord r : batch) {
                recovered.add(r.id());
                repository.upsert(r.recoveredAt(now));
                now = now.plusNanos(1_000);
            }
        }

        assertThat(batchSizes).containsExactly(100, 100, 50, 0);
        assertThat(recovered).containsExactlyElementsOf(expectedOrder);
        assertThat(new HashSet<>(recovered)).hasSize(250);
        assertThat(repository.countNotRecoveredSince(runStart)).isZero();
        for (SubscriptionRecord r : stale) {
            Row row = row(r.id()).orElseThrow();
            assertThat(row.version()).isEqualTo(2);
            assertThat(row.lastRecoveredAt()).isAfterOrEqualTo(runStart);
        }
        for (SubscriptionRecord r : fresh) {
            assertThat(row(r.id())).contains(rowOf(r));
        }
        assertThat(rowCount()).isEqualTo(260);
    }

    // ---------------------------------------------------------------- many writers

    static final int WRITERS = 4;
    static final int RECORDS = 20;
    static final int VERSIONS = 12;

    /** Version {@code v} of record {@code i}: every field that may change says which version it is. */
    static SubscriptionRecord version(int i, int v) {
        return new SubscriptionRecord("rec-" + i, i % 2 == 0 ? Direction.OUTGOING_SIP : Direction.INCOMING_SIP,
                Aor.parse("sip:user" + i + "@example.com"), "user" + i + "@xmpp.example.org",
                v % 2 == 0 ? RecordState.ACTIVE : RecordState.PENDING, T0, Optional.of(T0.plusSeconds(v)),
                new DialogData("call-" + i + "-" + v, "l" + v, "r" + v, v, 100 + v, List.of("<sip:hop" + v + ";lr>"), "sip:t" + v,
                        v % 3 == 0 ? Optional.empty() : Optional.of(T0.plusSeconds(3600 + v))),
                v);
    }

    @Test
    void concurrent_writers_in_shuffled_orders_leave_every_row_at_its_highest_version() throws Exception {
        List<SubscriptionRecord> writes = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            for (int v = 1; v <= VERSIONS; v++) {
                writes.add(version(i, v));
            }
        }
        List<SubscriptionRepository> repositories = new ArrayList<>(List.of(repository));
        for (int i = 1; i < databasesForConcurrentWriters(); i++) {
            repositories.add(open(dataDir.resolve("writer-" + i)).subscriptionRepository());
        }
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS);
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                List<SubscriptionRecord> order = new ArrayList<>(writes);
                Collections.shuffle(order, new Random(31L * (w + 1)));
                SubscriptionRepository target = repositories.get(w % repositories.size());
                work.add(threads.submit(() -> {
                    start.await();
                    for (SubscriptionRecord r : order) {
                        target.upsert(r);
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

        for (int i = 0; i < RECORDS; i++) {
            assertThat(row("rec-" + i)).as("row of rec-%d", i).contains(rowOf(version(i, VERSIONS)));
        }
        assertThat(rowCount()).isEqualTo(RECORDS);
        Set<Long> versions = new HashSet<>();
        repository.all().forEach(r -> versions.add(r.version()));
        assertThat(versions).containsExactly((long) VERSIONS);
    }

    @Test
    void a_second_database_instance_sees_and_respects_the_first_ones_writes() throws SQLException {
        SubscriptionRepository other = open(dataDir.resolve("other-instance")).subscriptionRepository();

        repository.upsert(version(1, 5));
        assertThat(other.find("rec-1")).contains(version(1, 5));
        other.upsert(version(1, 4));
        other.upsert(version(1, 6));

        assertThat(row("rec-1")).contains(rowOf(version(1, 6)));
        assertThat(repository.find(version(1, 6).key())).contains(version(1, 6));
    }
}
