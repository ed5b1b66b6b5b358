package org.switchboard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.LeaseRow;
import org.switchboard.pool.LeaseTable;
import org.switchboard.pool.Member;
import org.switchboard.pool.MemberState;
import org.switchboard.pool.Owned;
import org.switchboard.pool.PoolMember;
import org.switchboard.pool.PoolTimings;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;
import org.switchboard.testing.TestPostgres;

/** The pool's tables on a real PostgreSQL, each member with its own Database (pool and data directory) as in production. */
class PostgresLeaseTableTest {

    private static TestPostgres postgres;
    private final MutableClock clock = new MutableClock();
    private final List<Database> opened = new ArrayList<>();
    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() throws IOException {
        postgres = TestPostgres.start();
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void empty() throws Exception {
        Database db = open("cleaner");
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM pool_lease");
            s.executeUpdate("DELETE FROM pool_member");
        }
    }

    @AfterEach
    void close() {
        opened.forEach(Database::close);
    }

    private Database open(String name) {
        Database db = Database.open(postgres.settings(8, 5), dir.resolve(name));
        opened.add(db);
        return db;
    }

    @Test
    void ofManyMembersClaimingOneFreeLeaseAtTheSameEpochExactlyOneGetsIt() throws Exception {
        LeaseKey key = new LeaseKey(LeaseKey.Kind.REGISTRATION, "alice");
        List<LeaseTable> tables = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tables.add(open("m" + i).leaseTable(clock));
        }
        tables.forEach(t -> t.insertIfAbsent(key)); // each adds it unless there: one row
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                LeaseTable table = tables.get(i);
                String owner = "member-" + i;
                claims.add(threads.submit((Callable<Boolean>) () -> table.claim(key, 0, owner, clock.instant())));
            }
            long won = 0;
            for (Future<Boolean> claim : claims) {
                won += claim.get() ? 1 : 0;
            }
            assertThat(won).isEqualTo(1);
        } finally {
            threads.shutdownNow();
        }
        List<LeaseRow> rows = tables.get(0).leases();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).epoch()).isEqualTo(1);
        assertThat(rows.get(0).owner()).isPresent();
        assertThat(tables.get(1).release(key, "somebody-else", clock.instant())).isFalse();
        assertThat(tables.get(1).release(key, rows.get(0).owner().get(), clock.instant())).isTrue();
        assertThat(tables.get(2).leases().get(0).owner()).isEmpty();
    }

    @Test
    void aMembershipIsWrittenThenRenewedInPlace() {
        LeaseTable table = open("a").leaseTable(clock);
        Instant t0 = clock.instant();
        table.renew(new Member("a", "sip:127.0.0.1:5060", MemberState.READY, t0.plusSeconds(10), t0, t0));
        table.renew(new Member("a", "sip:127.0.0.1:5060", MemberState.DRAINING, t0.plusSeconds(13), t0.plusSeconds(3), t0));

        assertThat(table.members()).hasSize(1);
        Member a = table.member("a").orElseThrow();
        assertThat(a.state()).isEqualTo(MemberState.DRAINING);
        assertThat(a.leaseExpiresAt()).isEqualTo(t0.plusSeconds(13));
        assertThat(table.member("b")).isEmpty();
    }

    @Test
    void twoMembersShareTheWorkAndTheSurvivorTakesOverAKilledOnesLeases() {
        ManualScheduler scheduler = new ManualScheduler(clock);
        PoolTimings timings = new PoolTimings(Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(1), 100);
        boolean[] aKilled = {false};
        PoolMember a = new PoolMember("a", "sip:a", open("a").leaseTable(clock), timings,
                (delay, task) -> scheduler.schedule(delay, () -> {
                    if (!aKilled[0]) {
                        task.run();
                    }
                }), clock);
        PoolMember b = new PoolMember("b", "sip:b", open("b").leaseTable(clock), timings, scheduler, clock);
        List<Flag> onA = want(a, 20);
        List<Flag> onB = want(b, 20);
        a.join(scheduler::advance);
        a.start();
        b.join(scheduler::advance);
        b.start();

        scheduler.advance(Duration.ofSeconds(9));
        assertThat(running(onA)).isEqualTo(10);
        assertThat(running(onB)).isEqualTo(10);

        aKilled[0] = true;
        scheduler.advance(Duration.ofSeconds(15));

        assertThat(running(onB)).isEqualTo(20);
        assertThat(b.status().takeovers()).isEqualTo(10);
        assertThat(open("reader").leaseTable(clock).leases()).allSatisfy(row -> assertThat(row.owner()).isEqualTo(Optional.of("b")));
    }

    private static final class Flag implements Owned {
        boolean running;

        @Override
        public void acquired() {
            running = true;
        }

        @Override
        public void released(boolean handover) {
            running = false;
        }
    }

    private static List<Flag> want(PoolMember member, int n) {
        List<Flag> flags = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Flag flag = new Flag();
            flags.add(flag);
            member.want(new LeaseKey(LeaseKey.Kind.VIEW_TARGET, "alice#1 sip:t" + i + "@example.com"), flag);
        }
        return flags;
    }

    private static long running(List<Flag> flags) {
        return flags.stream().filter(f -> f.running).count();
    }

    @Test
    void leasesAddedInBulkAreEachAddedOnceAlongsideOnesAlreadyThereAndAnotherMemberAddingTheSame() throws Exception {
        LeaseTable a = open("a").leaseTable(clock);
        LeaseTable b = open("b").leaseTable(clock);
        List<LeaseKey> first = keys(0, 1_200);
        List<LeaseKey> second = keys(600, 1_800); // overlaps half of the first
        a.insertIfAbsent(first.get(7));
        assertThat(a.claim(first.get(7), 0, "x", clock.instant())).isTrue();

        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<?> byA = threads.submit(() -> a.insertAllIfAbsent(first));
            Future<?> byB = threads.submit(() -> b.insertAllIfAbsent(second));
            byA.get();
            byB.get();
        } finally {
            threads.shutdownNow();
        }

        List<LeaseRow> rows = a.leases();
        assertThat(rows).hasSize(1_800);
        assertThat(rows.stream().map(LeaseRow::key).distinct().count()).isEqualTo(1_800);
        LeaseRow claimed = rows.stream().filter(r -> r.key().equals(first.get(7))).findFirst().orElseThrow();
        assertThat(claimed.owner()).contains("x");
        assertThat(claimed.epoch()).isEqualTo(1);
        assertThat(rows.stream().filter(r -> !r.key().equals(first.get(7)))).allSatisfy(r -> {
            assertThat(r.owner()).isEmpty();
            assertThat(r.epoch()).isZero();
        });
    }

    @Test
    void aBulkClaimTakesOnlyTheLeasesStillAtTheirEpochAndABulkReleaseFreesOnlyTheOwnersOwn() {
        LeaseTable a = open("a").leaseTable(clock);
        LeaseTable b = open("b").leaseTable(clock);
        List<LeaseKey> keys = keys(0, 1_100);
        a.insertAllIfAbsent(keys);
        for (int i = 0; i < 1_100; i += 10) {
            assertThat(b.claim(keys.get(i), 0, "b", clock.instant())).isTrue(); // one in ten moved on meanwhile
        }
        Map<LeaseKey, Long> atEpochZero = new LinkedHashMap<>();
        keys.forEach(k -> atEpochZero.put(k, 0L));

        Set<LeaseKey> claimed = a.claimAll(atEpochZero, "a", clock.instant());

        assertThat(claimed).hasSize(990).doesNotContainAnyElementsOf(everyTenth(keys));
        Map<String, Long> owners = new LinkedHashMap<>();
        a.leases().forEach(r -> owners.merge(r.owner().orElse("-"), 1L, Long::sum));
        assertThat(owners).containsEntry("a", 990L).containsEntry("b", 110L).hasSize(2);
        assertThat(a.leases()).allSatisfy(r -> assertThat(r.epoch()).isEqualTo(1));

        b.releaseAll(keys, "b", clock.instant()); // names all 1,100: frees only its own 110

        Map<String, Long> after = new LinkedHashMap<>();
        a.leases().forEach(r -> after.merge(r.owner().orElse("-"), 1L, Long::sum));
        assertThat(after).containsEntry("a", 990L).containsEntry("-", 110L).hasSize(2);
    }

    private static List<LeaseKey> keys(int from, int to) {
        List<LeaseKey> keys = new ArrayList<>();
        for (int i = from; i < to; i++) {
            keys.add(new LeaseKey(LeaseKey.Kind.VIEW_TARGET, "alice#1 sip:t" + i + "@example.com"));
        }
        return keys;
    }

    private static Set<LeaseKey> everyTenth(List<LeaseKey> keys) {
        Set<LeaseKey> picked = new HashSet<>();
        for (int i = 0; i < keys.size(); i += 10) {
            picked.add(keys.get(i));
        }
        return picked;
    }
}
