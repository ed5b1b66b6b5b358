package org.switchboard.store;

import java.time.Instant;

/**
 * Who this instance is across restarts: an id kept in its database, when it was first created,
 * and how many times it has started.
 */
public record InstanceIdentity(String instanceId, Instant createdAt, int startCount) {
}
