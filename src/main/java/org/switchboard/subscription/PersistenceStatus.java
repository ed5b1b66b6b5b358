package org.switchboard.subscription;

/**
 * The persistence of subscriptions as an operator sees it.
 *
 * @param persistent     records go to the database (false: memory only)
 * @param breaker        the circuit breaker's state (CLOSED, OPEN, HALF_OPEN)
 * @param pendingWrites  changes not yet in the database
 * @param writes         writes done
 * @param retries        writes retried
 * @param transitions    breaker state changes
 * @param resyncs        write-backs after the database came back
 * @param records        records in memory
 */
public record PersistenceStatus(boolean persistent, String breaker, int pendingWrites, long writes, long retries, long transitions,
        long resyncs, int records) {
}
