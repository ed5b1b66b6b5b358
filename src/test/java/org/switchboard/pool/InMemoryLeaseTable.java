package org.switchboard.pool;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The pool's tables in memory, with the same conditional writes as the database's; can be made to fail. */
final class InMemoryLeaseTable implements LeaseTable {

    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<LeaseKey, LeaseRow> leases = new LinkedHashMap<>();
    /** Every change of owner, in order: key, new owner (empty: freed), epoch. */
    final List<LeaseRow> history = new ArrayList<>();

    @Override
    public synchronized void renew(Member member) {
        members.put(member.instanceId(), member);
    }

    @Override
    public synchronized Optional<Member> member(String instanceId) {
        return Optional.ofNullable(members.get(instanceId));
    }

    @Override
    public synchronized List<Member> members() {
        return List.copyOf(members.values());
    }

    @Override
    public synchronized List<LeaseRow> leases() {
        return List.copyOf(leases.values());
    }

    @Override
    public synchronized void insertIfAbsent(LeaseKey key) {
        leases.putIfAbsent(key, new LeaseRow(key, Optional.empty(), 0));
    }

    @Override
    public synchronized boolean claim(LeaseKey key, long epoch, String owner, Instant at) {
        LeaseRow row = leases.get(key);
        if (row == null || row.epoch() != epoch) {
            return false;
        }
        change(new LeaseRow(key, Optional.of(owner), epoch + 1));
        return true;
    }

    @Override
    public synchronized boolean release(LeaseKey key, String owner, Instant at) {
        LeaseRow row = leases.get(key);
        if (row == null || !row.owner().equals(Optional.of(owner))) {
            return false;
        }
        change(new LeaseRow(key, Optional.empty(), row.epoch() + 1));
        return true;
    }

    private void change(LeaseRow row) {
        leases.put(row.key(), row);
        history.add(row);
    }

    synchronized Optional<String> owner(LeaseKey key) {
        return Optional.ofNullable(leases.get(key)).flatMap(LeaseRow::owner);
    }
}
