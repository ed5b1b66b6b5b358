package org.switchboard.pool;

import java.util.Optional;

/**
 * One lease as stored: its owner (none: free) and its epoch, which grows with every change of owner. Every write of a
 * lease is conditional on the epoch read, so of two instances claiming it at once exactly one succeeds.
 */
public record LeaseRow(LeaseKey key, Optional<String> owner, long epoch) {
}
