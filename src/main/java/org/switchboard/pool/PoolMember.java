package org.switchboard.pool;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.timing.Scheduler;

/**
 * This instance as a member of a pool sharing one database: it renews its membership, takes free leases and those of
 * members whose membership lapsed (up to its fair share, paced), hands work over when it drains or holds more than
 * its share, and stops all its work when it cannot renew in time (another member may take it over then).
 *
 * <p>No item ever has two owners: every change of owner is a write conditional on the lease's epoch, a member takes a
 * lease over only {@link PoolTimings#skew()} after the owner's membership expired, and an owner that could not renew
 * stops acting that much before it expires. Work is started and stopped only on the scheduler's thread.
 */
public final class PoolMember implements Ownership, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PoolMember.class);

    /** Waits at start (the previous lease of this instance id); injected so tests need not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final String instanceId;
    private final String address;
    private final LeaseTable table;
    private final PoolTimings timings;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Map<LeaseKey, Entry> wanted = new ConcurrentHashMap<>();
    private final AtomicLong takeovers = new AtomicLong();
    private final AtomicLong handovers = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final Instant startedAt;
    // guarded by this
    private MemberState state = MemberState.READY;
    private Instant actUntil = Instant.MIN;
    private Scheduler.Cancellable nextRenewal;
    private Scheduler.Cancellable fence;
    private boolean renewalFailing;
    private boolean closed;
    private volatile List<Member> lastMembers = List.of();
    /** The owners of the leases held as a whole for work that others send requests to (the XMPP bridge), as last read. */
    private volatile Map<LeaseKey, String> lastSingletonOwners = Map.of();
    private volatile Map<LeaseKey.Kind, Integer> lastOwnedCounts = Map.of();
    private volatile Optional<Instant> lastRenewal = Optional.empty();

    /** One wanted key: its work, whether it runs here, and the epoch this member claimed it at. */
    private static final class Entry {
        final LeaseKey key;
        final Owned work;
        volatile boolean dropped;
        boolean active;
        long epoch;

        Entry(LeaseKey key, Owned work) {
            this.key = key;
            this.work = work;
        }
    }

    public PoolMember(String instanceId, String address, LeaseTable table, PoolTimings timings, Scheduler scheduler, Clock clock) {
        this.instanceId = instanceId;
        this.address = address;
        this.table = table;
        this.timings = timings;
        this.scheduler = scheduler;
        this.clock = clock;
        this.startedAt = clock.instant();
    }

    /**
     * Joins the pool. When the member table shows this instance id alive (a previous run killed moments ago, or a
     * second instance started with the same data directory or a copy of it), waits for that membership to lapse and
     * refuses to join if it was renewed meanwhile: two instances must never act under one id.
     *
     * @throws PoolException naming the instance id when another running instance holds it
     */
    public void join(Sleeper sleeper) {
        Optional<Member> previous = table.member(instanceId);
        if (previous.isPresent() && previous.get().aliveAt(clock.instant())) {
            Duration wait = Duration.between(clock.instant(), previous.get().leaseExpiresAt()).plus(timings.skew());
            LOG.info("Pool: the membership of instance {} is still alive until {}: waiting {} ms for it to lapse",
                    instanceId, previous.get().leaseExpiresAt(), wait.toMillis());
            try {
                sleeper.sleep(wait.compareTo(timings.lease()) > 0 ? timings.lease().plus(timings.skew()) : wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PoolException("interrupted while waiting for the previous membership of instance " + instanceId);
            }
            Optional<Member> again = table.member(instanceId);
            if (again.isPresent() && !again.get().renewedAt().equals(previous.get().renewedAt())
                    && again.get().state() != MemberState.GONE) {
                throw new PoolException("another running instance uses the instance id " + instanceId + " (renewed its membership at "
                        + again.get().renewedAt() + " from " + again.get().address()
                        + "): two instances share one data directory, or a copy of it");
            }
        }
        synchronized (this) {
            renewAndBalance();
        }
    }

    @Override
    public Claim want(LeaseKey key, Owned work) {
        Entry entry = new Entry(key, work);
        if (wanted.putIfAbsent(key, entry) != null) {
            throw new IllegalArgumentException("wanted twice on this instance: " + key);
        }
        return () -> entry.dropped = true;
    }

    /** Hands every lease over now and takes no more (the instance is about to stop). */
    public synchronized void drain() {
        if (state != MemberState.READY) {
            return;
        }
        state = MemberState.DRAINING;
        LOG.info("Pool: draining: handing over {} leases", activeCount());
        renewAndBalance();
    }

    /** The renewal loop, once {@link #join} has run. */
    public synchronized void start() {
        scheduleRenewal();
    }

    private void scheduleRenewal() {
        if (!closed) {
            nextRenewal = scheduler.schedule(timings.renewEvery(), this::renewal);
        }
    }

    private synchronized void renewal() {
        if (closed) {
            return;
        }
        try {
            renewAndBalance();
        } finally {
            scheduleRenewal();
        }
    }

    /** One round: renew, then align the work done here with the lease table. */
    private void renewAndBalance() {
        Instant now = clock.instant();
        List<Member> members;
        List<LeaseRow> rows;
        try {
            table.renew(new Member(instanceId, address, state, now.plus(timings.lease()), now, startedAt));
            members = table.members();
            rows = table.leases();
        } catch (RuntimeException e) {
            if (!renewalFailing) {
                LOG.warn("Pool: cannot renew the membership of instance {} ({}); its work stops at {} unless a renewal succeeds",
                        instanceId, e.toString(), actUntil);
                renewalFailing = true;
            }
            return;
        }
        if (renewalFailing) {
            LOG.info("Pool: membership of instance {} renewed again", instanceId);
            renewalFailing = false;
        }
        lastRenewal = Optional.of(now);
        actUntil = now.plus(timings.lease()).minus(timings.skew());
        if (fence != null) {
            fence.cancel();
        }
        fence = scheduler.schedule(Duration.between(clock.instant(), actUntil), this::fenceIfLapsed);
        lastMembers = List.copyOf(members);
        try {
            if (balance(now, members, rows)) {
                balance(now, members, table.leases()); // the leases just added are free: take this member's share now
            }
        } catch (RuntimeException e) {
            // what was claimed before the failure is this member's and not started: the next renewal claims it again
            LOG.warn("Pool: cannot align the leases ({}); trying again at the next renewal", e.toString());
        }
    }

    /** Aligns the work done here with the lease table; whether leases were added (free, not yet considered). */
    private boolean balance(Instant now, List<Member> members, List<LeaseRow> rows) {
        Map<String, Member> byId = new HashMap<>();
        members.forEach(m -> byId.put(m.instanceId(), m));
        Map<LeaseKey, LeaseRow> byKey = new HashMap<>();
        Map<LeaseKey, String> singletonOwners = new HashMap<>();
        for (LeaseRow row : rows) {
            byKey.put(row.key(), row);
            if (row.key().kind() == LeaseKey.Kind.BRIDGE) {
                row.owner().ifPresent(owner -> singletonOwners.put(row.key(), owner));
            }
        }
        lastSingletonOwners = Map.copyOf(singletonOwners);
        for (Entry entry : List.copyOf(wanted.values())) {
            if (entry.dropped) {
                wanted.remove(entry.key, entry);
                LeaseRow row = byKey.get(entry.key);
                if (row != null && row.owner().filter(instanceId::equals).isPresent()) {
                    release(entry.key);
                }
            }
        }
        int budget = timings.claimsPerRenewal();
        List<Entry> free = new ArrayList<>();
        List<Entry> again = new ArrayList<>();
        int mine = 0;
        for (LeaseRow row : rows) {
            Entry entry = wanted.get(row.key());
            boolean ownedHere = row.owner().filter(instanceId::equals).isPresent();
            if (entry == null) {
                if (ownedHere) {
                    release(row.key()); // owned by a former run of this instance that no longer wants it
                }
                continue;
            }
            if (ownedHere) {
                if (!entry.active || entry.epoch != row.epoch()) {
                    // after a lapse (or a restart): take it again with a conditional write before acting
                    deactivate(entry, false);
                    again.add(entry);
                } else {
                    mine++;
                }
            } else if (entry.active) {
                lost.incrementAndGet();
                LOG.warn("Pool: {} is owned by {} now: stopped here", row.key(), row.owner().orElse("nobody"));
                deactivate(entry, false);
            } else if (row.owner().isEmpty() || !alive(byId.get(row.owner().get()), now)) {
                free.add(entry);
            }
        }
        mine += claimAndStart(again, byKey, now);
        List<LeaseKey> missing = new ArrayList<>();
        for (Entry entry : wanted.values()) {
            if (!entry.dropped && !byKey.containsKey(entry.key)) {
                missing.add(entry.key);
            }
        }
        if (!missing.isEmpty()) {
            table.insertAllIfAbsent(missing);
        }
        if (state != MemberState.READY) {
            handOver(activeEntries(), Integer.MAX_VALUE);
            lastOwnedCounts = ownedCounts();
            return false;
        }
        long ready = members.stream().filter(m -> m.state() == MemberState.READY && alive(m, now)).count();
        int share = (int) Math.ceil(rows.size() / (double) Math.max(1, ready));
        // a free bridge first: it is one lease, and its recovery (every bridged subscription) is the longest to redo
        free.sort(Comparator.<Entry>comparingInt(e -> e.key.kind() == LeaseKey.Kind.BRIDGE ? 0 : 1).thenComparingLong(e -> preference(e.key)));
        int room = Math.max(0, Math.min(share - mine, budget));
        int taken = claimAndStart(free.subList(0, Math.min(room, free.size())), byKey, now);
        mine += taken;
        budget -= taken;
        if (mine > share && hasRoomElsewhere(rows, members, now, share)) {
            List<Entry> active = activeEntries();
            // the bridge moves last: moving it reconnects the XMPP component and recovers every bridged subscription
            active.sort(Comparator.<Entry>comparingInt(e -> e.key.kind() == LeaseKey.Kind.BRIDGE ? 1 : 0)
                    .thenComparingLong(e -> -preference(e.key)));
            handOver(active, Math.min(budget, mine - share));
        }
        lastOwnedCounts = ownedCounts();
        return !missing.isEmpty();
    }

    /**
     * Claims the entries' leases (each conditional on the epoch last read, in as few round trips as the table allows)
     * and starts the work of those claimed — but only while this member may still act: a round that ran past the time
     * its renewal allows (a slow database) leaves what it claimed stopped, to be claimed again and started by the next
     * renewal, so nothing is started by a member whose membership may have lapsed meanwhile. How many were started.
     */
    private int claimAndStart(List<Entry> entries, Map<LeaseKey, LeaseRow> byKey, Instant now) {
        if (entries.isEmpty()) {
            return 0;
        }
        Map<LeaseKey, Long> epochs = new LinkedHashMap<>();
        entries.forEach(e -> epochs.put(e.key, byKey.get(e.key).epoch()));
        Set<LeaseKey> claimed = table.claimAll(epochs, instanceId, now);
        int started = 0;
        int late = 0;
        Map<String, Integer> takenFrom = new TreeMap<>();
        for (Entry entry : entries) {
            if (!claimed.contains(entry.key)) {
                continue;
            }
            LeaseRow row = byKey.get(entry.key);
            row.owner().filter(owner -> !owner.equals(instanceId)).ifPresent(owner -> {
                takeovers.incrementAndGet();
                takenFrom.merge(owner, 1, Integer::sum);
            });
            if (!clock.instant().isBefore(actUntil)) {
                late++;
                continue;
            }
            activate(entry, row.epoch() + 1);
            started++;
        }
        if (!takenFrom.isEmpty()) {
            LOG.info("Pool: took leases over from members whose membership lapsed: {}", takenFrom);
        }
        if (late > 0) {
            LOG.warn("Pool: this renewal ran past {} (the database is slow): {} leases claimed are started at the next renewal", actUntil, late);
        }
        return started;
    }

    /** Whether a ready member other than this one holds fewer than {@code share} leases (rebalancing has somewhere to go). */
    private boolean hasRoomElsewhere(List<LeaseRow> rows, List<Member> members, Instant now, int share) {
        Map<String, Integer> counts = new HashMap<>();
        rows.forEach(r -> r.owner().ifPresent(o -> counts.merge(o, 1, Integer::sum)));
        return members.stream().anyMatch(m -> !m.instanceId().equals(instanceId) && m.state() == MemberState.READY && alive(m, now)
                && counts.getOrDefault(m.instanceId(), 0) < share - 1);
    }

    /** Stops up to {@code max} of the entries' work, then frees their leases (stopped before another member may start it). */
    private void handOver(List<Entry> entries, int max) {
        List<LeaseKey> keys = new ArrayList<>();
        for (Entry entry : entries) {
            if (keys.size() >= max) {
                break;
            }
            deactivate(entry, true);
            handovers.incrementAndGet();
            keys.add(entry.key);
        }
        if (keys.isEmpty()) {
            return;
        }
        try {
            table.releaseAll(keys, instanceId, clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("Pool: cannot release {} leases ({}); they are taken over when this membership lapses", keys.size(), e.toString());
        }
    }

    private boolean alive(Member member, Instant now) {
        return member != null && member.state() != MemberState.GONE && member.leaseExpiresAt().plus(timings.skew()).isAfter(now);
    }

    /** Rendezvous hashing: each member prefers different free leases, so members claiming at once rarely collide. */
    private long preference(LeaseKey key) {
        long h = 1125899906842597L;
        for (char c : (instanceId + '\n' + key).toCharArray()) {
            h = 31 * h + c;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    private void release(LeaseKey key) {
        try {
            table.release(key, instanceId, clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("Pool: cannot release {} ({}); it is taken over when this membership lapses", key, e.toString());
        }
    }

    private void activate(Entry entry, long epoch) {
        entry.active = true;
        entry.epoch = epoch;
        try {
            entry.work.acquired();
        } catch (RuntimeException e) {
            LOG.warn("Pool: starting {} failed: {}", entry.key, e.toString());
        }
    }

    private void deactivate(Entry entry, boolean handover) {
        if (!entry.active) {
            return;
        }
        entry.active = false;
        try {
            entry.work.released(handover);
        } catch (RuntimeException e) {
            LOG.warn("Pool: stopping {} failed: {}", entry.key, e.toString());
        }
    }

    /** No renewal since the last one succeeded, and the time to act is up: stop everything (others may take it). */
    private synchronized void fenceIfLapsed() {
        if (closed || clock.instant().isBefore(actUntil)) {
            return;
        }
        List<Entry> active = activeEntries();
        if (!active.isEmpty()) {
            LOG.warn("Pool: membership of instance {} not renewed since {}: stopped its {} leased items (other members take them over)",
                    instanceId, lastRenewal.map(Instant::toString).orElse("the start"), active.size());
        }
        active.forEach(e -> deactivate(e, false));
        lost.addAndGet(active.size());
        lastOwnedCounts = ownedCounts();
    }

    private List<Entry> activeEntries() {
        List<Entry> active = new ArrayList<>();
        for (Entry entry : wanted.values()) {
            if (entry.active) {
                active.add(entry);
            }
        }
        return active;
    }

    private int activeCount() {
        return activeEntries().size();
    }

    private Map<LeaseKey.Kind, Integer> ownedCounts() {
        Map<LeaseKey.Kind, Integer> counts = new java.util.EnumMap<>(LeaseKey.Kind.class);
        for (Entry entry : activeEntries()) {
            counts.merge(entry.key.kind(), 1, Integer::sum);
        }
        return Map.copyOf(counts);
    }

    /** Whether this instance owns {@code key} now (its work runs here). */
    public boolean owns(LeaseKey key) {
        Entry entry = wanted.get(key);
        return entry != null && entry.active;
    }

    /**
     * The SIP address of the live member that owns {@code key} (of kind {@link LeaseKey.Kind#BRIDGE}) as of the last
     * renewal; empty when this member owns it, or nobody alive does (a takeover is under way).
     */
    public Optional<String> ownerAddress(LeaseKey key) {
        String owner = lastSingletonOwners.get(key);
        if (owner == null || owner.equals(instanceId)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return lastMembers.stream().filter(m -> m.instanceId().equals(owner) && alive(m, now)).map(Member::address).findFirst();
    }

    /** What an operator sees of the pool now. */
    public PoolStatus status() {
        MemberState now;
        synchronized (this) {
            now = state;
        }
        return new PoolStatus(instanceId, address, now, lastRenewal, lastMembers, lastOwnedCounts, takeovers.get(), handovers.get(),
                lost.get());
    }

    /** Hands everything over, then leaves the pool: the others take the leases at once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        drain();
        closed = true;
        if (nextRenewal != null) {
            nextRenewal.cancel();
        }
        if (fence != null) {
            fence.cancel();
        }
        Instant now = clock.instant();
        try {
            table.renew(new Member(instanceId, address, MemberState.GONE, now, now, startedAt));
        } catch (RuntimeException e) {
            LOG.warn("Pool: cannot mark instance {} gone ({}); its leases are free when its membership lapses", instanceId, e.toString());
        }
    }
}
