package org.switchboard.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;
import org.switchboard.timing.Scheduler;

class PoolMemberTest {

    private static final PoolTimings TIMINGS = new PoolTimings(Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(1), 100);

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final InMemoryLeaseTable table = new InMemoryLeaseTable();

    /** One instance: its scheduler (which stops running its tasks when it is killed), its table view and its work. */
    private final class Instance {
        final String id;
        final Partitionable view = new Partitionable(table);
        boolean killed;
        final PoolMember member;
        final List<Work> work = new ArrayList<>();

        Instance(String id) {
            this.id = id;
            Scheduler own = (delay, task) -> scheduler.schedule(delay, () -> {
                if (!killed) {
                    task.run();
                }
            });
            member = new PoolMember(id, id + ":5060", view, TIMINGS, own, clock);
        }

        Instance wanting(int keys) {
            for (int i = 0; i < keys; i++) {
                Work w = new Work(new LeaseKey(LeaseKey.Kind.VIEW_TARGET, "alice sip:t" + i + "@example.com"));
                work.add(w);
                member.want(w.key, w);
            }
            return this;
        }

        Instance joined() {
            member.join(d -> clock.advance(d));
            member.start();
            return this;
        }

        /** The bridge's lease, wanted after the view targets (as the platform wants it). */
        Instance wantingTheBridge() {
            Work w = new Work(new LeaseKey(LeaseKey.Kind.BRIDGE, "sip.example.com"));
            work.add(w);
            member.want(w.key, w);
            return this;
        }

        Work bridge() {
            return work.get(work.size() - 1);
        }

        long running() {
            return work.stream().filter(w -> w.running).count();
        }
    }

    /** A piece of work that records how it was started and stopped. */
    private static final class Work implements Owned {
        final LeaseKey key;
        boolean running;
        int starts;
        int handovers;
        int losses;

        Work(LeaseKey key) {
            this.key = key;
        }

        @Override
        public void acquired() {
            assertFalse(running, "started twice: " + key);
            running = true;
            starts++;
        }

        @Override
        public void released(boolean handover) {
            assertTrue(running, "stopped while not running: " + key);
            running = false;
            if (handover) {
                handovers++;
            } else {
                losses++;
            }
        }
    }

    /** A table that fails every call while partitioned, as a database out of reach does. */
    private static final class Partitionable implements LeaseTable {
        private final LeaseTable table;
        boolean partitioned;
        /** Run before each claim: a test makes claims slow with it (a database that takes seconds per round). */
        Runnable beforeClaim = () -> { };

        Partitionable(LeaseTable table) {
            this.table = table;
        }

        private void check() {
            if (partitioned) {
                throw new IllegalStateException("database out of reach");
            }
        }

        @Override
        public void renew(Member member) {
            check();
            table.renew(member);
        }

        @Override
        public Optional<Member> member(String instanceId) {
            check();
            return table.member(instanceId);
        }

        @Override
        public List<Member> members() {
            check();
            return table.members();
        }

        @Override
        public List<LeaseRow> leases() {
            check();
            return table.leases();
        }

        @Override
        public void insertIfAbsent(LeaseKey key) {
            check();
            table.insertIfAbsent(key);
        }

        @Override
        public boolean claim(LeaseKey key, long epoch, String owner, Instant at) {
            check();
            beforeClaim.run();
            return table.claim(key, epoch, owner, at);
        }

        @Override
        public boolean release(LeaseKey key, String owner, Instant at) {
            check();
            return table.release(key, owner, at);
        }
    }

    /** Moves time in half-second steps, checking after each that no key runs on two instances. */
    private void run(Duration duration, Instance... instances) {
        for (long ms = 0; ms < duration.toMillis(); ms += 500) {
            scheduler.advance(Duration.ofMillis(500));
            for (int i = 0; i < instances[0].work.size(); i++) {
                int runningOn = 0;
                for (Instance instance : instances) {
                    if (!instance.killed && instance.work.get(i).running) {
                        runningOn++;
                    }
                }
                assertTrue(runningOn <= 1, instances[0].work.get(i).key + " runs on " + runningOn + " instances at " + clock.instant());
            }
        }
    }

    @Test
    void aLoneMemberTakesEveryLeaseWhenItJoins() {
        Instance a = new Instance("a").wanting(10).joined();

        assertEquals(10, a.running());
        a.work.forEach(w -> assertEquals(Optional.of("a"), table.owner(w.key)));
        assertEquals(10, a.member.status().owned().get(LeaseKey.Kind.VIEW_TARGET));
    }

    @Test
    void aSecondMemberGetsItsShareHandedOverPaced() {
        Instance a = new Instance("a").wanting(10).joined();
        Instance b = new Instance("b").wanting(10).joined();

        run(Duration.ofSeconds(10), a, b);

        assertEquals(5, a.running());
        assertEquals(5, b.running());
        assertEquals(5, a.work.stream().mapToInt(w -> w.handovers).sum(), "a handed five over cleanly");
        assertEquals(0, a.work.stream().mapToInt(w -> w.losses).sum());
        assertEquals(5, a.member.status().handovers());
    }

    @Test
    void rebalancingMovesTheBridgeLastAndTheOthersLearnWhereItRuns() {
        Instance a = new Instance("a").wanting(9).wantingTheBridge().joined();
        Instance b = new Instance("b").wanting(9).wantingTheBridge().joined();

        run(Duration.ofSeconds(10), a, b);

        assertTrue(a.bridge().running, "the bridge stays where it ran while view targets move");
        assertEquals(0, a.bridge().handovers);
        assertFalse(b.bridge().running);
        assertEquals(5, a.running());
        assertEquals(5, b.running());
        assertEquals(Optional.of("a:5060"), b.member.ownerAddress(a.bridge().key), "b sends bridge requests to a");
        assertEquals(Optional.empty(), a.member.ownerAddress(a.bridge().key), "a runs the bridge itself");
    }

    @Test
    void whileTheBridgesMemberIsDeadNobodyIsNamedAndThenTheSurvivorRunsIt() {
        Instance a = new Instance("a").wanting(9).wantingTheBridge().joined();
        Instance b = new Instance("b").wanting(9).wantingTheBridge().joined();
        run(Duration.ofSeconds(10), a, b);
        a.killed = true;

        run(Duration.ofSeconds(11), a, b);
        assertEquals(Optional.empty(), b.member.ownerAddress(a.bridge().key), "a's membership lapsed: no member to send to");

        run(Duration.ofSeconds(5), a, b);
        assertTrue(b.bridge().running, "b took the bridge over");
        assertEquals(Optional.of("b"), table.owner(b.bridge().key));
    }

    @Test
    void theSurvivorTakesOverAKilledMembersLeasesOnceItsMembershipLapsed() {
        Instance a = new Instance("a").wanting(10).joined();
        Instance b = new Instance("b").wanting(10).joined();
        run(Duration.ofSeconds(10), a, b);
        Instant killedAt = clock.instant();
        a.killed = true;

        run(Duration.ofSeconds(10), a, b);
        assertEquals(5, b.running(), "nothing taken before a's membership lapsed (10 s lease + 1 s skew)");

        run(Duration.ofSeconds(5), a, b);
        assertEquals(10, b.running());
        assertEquals(5, b.member.status().takeovers());
        assertTrue(Duration.between(killedAt, clock.instant()).compareTo(Duration.ofSeconds(15)) <= 0);
        b.work.forEach(w -> assertEquals(Optional.of("b"), table.owner(w.key)));
    }

    @Test
    void aMemberCutOffFromTheDatabaseStopsItsWorkBeforeAnotherMayTakeIt() {
        Instance a = new Instance("a").wanting(10).joined();
        Instance b = new Instance("b").wanting(10).joined();
        run(Duration.ofSeconds(10), a, b);
        a.view.partitioned = true;

        run(Duration.ofSeconds(20), a, b); // checks after every step that no key runs on both

        assertEquals(0, a.running());
        assertEquals(5, a.work.stream().mapToInt(w -> w.losses).sum(), "stopped without a word on the wire");
        assertEquals(10, b.running());
    }

    @Test
    void aMemberBackFromAPartitionGetsWorkAgainWithoutTwoOwners() {
        Instance a = new Instance("a").wanting(10).joined();
        Instance b = new Instance("b").wanting(10).joined();
        run(Duration.ofSeconds(10), a, b);
        a.view.partitioned = true;
        run(Duration.ofSeconds(20), a, b);
        a.view.partitioned = false;

        run(Duration.ofSeconds(20), a, b);

        assertEquals(5, a.running());
        assertEquals(5, b.running());
    }

    @Test
    void aMemberThatComesBackAfterItsLeaseLapsedButBeforeATakeoverTakesItsOwnLeasesAgain() {
        Instance a = new Instance("a").wanting(4).joined();
        a.view.partitioned = true;
        run(Duration.ofSeconds(12), a);
        assertEquals(0, a.running());
        a.view.partitioned = false;

        run(Duration.ofSeconds(3), a);

        assertEquals(4, a.running());
        assertEquals(2, a.work.get(0).starts);
    }

    @Test
    void drainingHandsEveryLeaseOverAtOnceAndTheOthersTakeThemWithinARenewal() {
        Instance a = new Instance("a").wanting(10).joined();
        Instance b = new Instance("b").wanting(10).joined();
        run(Duration.ofSeconds(10), a, b);

        a.member.drain();
        assertEquals(0, a.running());
        assertEquals(10, a.work.stream().mapToInt(w -> w.handovers).sum(), "five when b joined, five now");
        assertEquals(0, a.work.stream().mapToInt(w -> w.losses).sum());
        run(Duration.ofSeconds(3), a, b);

        assertEquals(10, b.running());
        assertEquals(0, b.member.status().takeovers(), "free leases, not taken over");
    }

    @Test
    void aClosedMemberIsGoneAndItsLeasesFreeAtOnce() {
        Instance a = new Instance("a").wanting(3).joined();
        Instance b = new Instance("b").wanting(3).joined();
        a.member.close();

        assertEquals(MemberState.GONE, table.member("a").orElseThrow().state());
        run(Duration.ofSeconds(3), b);
        assertEquals(3, b.running());
    }

    @Test
    void aKeyNoLongerWantedIsReleased() {
        Instance a = new Instance("a").joined();
        Work w = new Work(new LeaseKey(LeaseKey.Kind.REGISTRATION, "bob"));
        Ownership.Claim claim = a.member.want(w.key, w);
        run(Duration.ofSeconds(3), a);
        assertEquals(Optional.of("a"), table.owner(w.key));

        claim.drop();
        run(Duration.ofSeconds(3), a);

        assertEquals(Optional.empty(), table.owner(w.key));
    }

    @Test
    void ofTwoMembersClaimingOneFreeLeaseAtOnceOnlyOneGetsIt() {
        table.insertIfAbsent(new LeaseKey(LeaseKey.Kind.BRIDGE, "bridge.example.com"));
        LeaseKey key = new LeaseKey(LeaseKey.Kind.BRIDGE, "bridge.example.com");

        assertTrue(table.claim(key, 0, "a", clock.instant()));
        assertFalse(table.claim(key, 0, "b", clock.instant()));
        assertEquals(Optional.of("a"), table.owner(key));
    }

    @Test
    void aSecondInstanceWithTheSameIdIsRefusedOnceItSeesTheOtherRenew() {
        Instance a = new Instance("same").wanting(2).joined();
        PoolMember twin = new PoolMember("same", "other:5060", table, TIMINGS, scheduler, clock);

        PoolException e = assertThrows(PoolException.class, () -> twin.join(d -> scheduler.advance(d)));

        assertTrue(e.getMessage().contains("instance id same"), e.getMessage());
        assertTrue(e.getMessage().contains("share one data directory"), e.getMessage());
        assertEquals(2, a.running());
    }

    @Test
    void aRestartAfterAKillWaitsForTheOldMembershipToLapseAndThenTakesItsLeasesBack() {
        Instance old = new Instance("a").wanting(3).joined();
        old.killed = true;
        scheduler.advance(Duration.ofSeconds(2));

        Instance restarted = new Instance("a").wanting(3);
        Instant before = clock.instant();
        restarted.joined();

        assertTrue(Duration.between(before, clock.instant()).compareTo(Duration.ofSeconds(8)) >= 0, "waited for the lapse");
        assertEquals(3, restarted.running());
    }

    @Test
    void leasesClaimedByARenewalThatRanPastItsActingTimeAreStartedOnlyByTheNextRenewal() {
        Instance a = new Instance("a").wanting(10);
        int[] slowClaims = {10};
        List<Long> runningWhileClaiming = new ArrayList<>();
        a.view.beforeClaim = () -> {
            if (slowClaims[0]-- > 0) {
                runningWhileClaiming.add(a.running());
                clock.advance(Duration.ofMillis(1_500)); // 10 claims: 15 s, past the 9 s this renewal lets it act
            }
        };
        a.joined();

        assertEquals(0, a.running(), "claimed after its acting time: started by nobody yet");
        a.work.forEach(w -> assertEquals(Optional.of("a"), table.owner(w.key), "the claims themselves held"));
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), runningWhileClaiming);

        run(Duration.ofSeconds(4), a);

        assertEquals(10, a.running(), "the next renewal claims them again (its own) and starts them");
        a.work.forEach(w -> assertEquals(1, w.starts));
        assertTrue(table.history.stream().allMatch(row -> row.owner().isEmpty() || row.owner().equals(Optional.of("a"))));
    }

    @Test
    void aTakeoverLongerThanOneRenewalClaimsTheBridgeInItsFirstRound() {
        Instance a = new Instance("a").wanting(2_000).wantingTheBridge().joined();
        Instance b = new Instance("b").wanting(2_000).wantingTheBridge().joined();
        run(Duration.ofSeconds(120), a, b);
        assertEquals(2_001, a.running() + b.running(), "settled");
        Instance owner = a.bridge().running ? a : b;
        Instance survivor = owner == a ? b : a;
        long before = survivor.running();
        owner.killed = true;

        for (int step = 0; step < 60 && survivor.running() == before; step++) {
            run(Duration.ofMillis(500), a, b);
        }

        assertTrue(survivor.running() > before, "the survivor took leases over within 30 s");
        assertTrue(survivor.running() < 2_001, "more than one renewal's claims (100) are left: " + survivor.running());
        assertTrue(survivor.bridge().running, "the bridge was among the first round's claims");
    }
}
