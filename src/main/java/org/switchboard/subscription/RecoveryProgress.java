package org.switchboard.subscription;

/**
 * How far recovery has come.
 *
 * @param started   a run has started
 * @param finished  it has recovered everything
 * @param recovered records recovered by this run (in batches or on demand)
 * @param total     records there were to recover when it started
 * @param batches   batches done
 */
public record RecoveryProgress(boolean started, boolean finished, long recovered, long total, int batches) {
}
