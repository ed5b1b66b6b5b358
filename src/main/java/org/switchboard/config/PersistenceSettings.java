package org.switchboard.config;

/**
 * Persistence of bridged subscriptions, in the words operators of such gateways use.
 *
 * @param enabled                      keep subscriptions in the database (false: in memory only, lost on restart)
 * @param recoveryBatchSize            records recovered per batch after a start
 * @param recoveryBatchIntervalSeconds pause between two recovery batches
 * @param retryAttempts                attempts per database write before it counts as failed (1 = no retry)
 * @param retryBackoffMillis           wait before the first retry, doubling for each further one
 * @param breakerOpenSeconds           how long the circuit breaker stays open before it probes the database again
 */
public record PersistenceSettings(boolean enabled, int recoveryBatchSize, int recoveryBatchIntervalSeconds, int retryAttempts,
        int retryBackoffMillis, int breakerOpenSeconds) {

    static PersistenceSettings defaults() {
        return new PersistenceSettings(true, 5000, 1, 3, 100, 10);
    }
}
