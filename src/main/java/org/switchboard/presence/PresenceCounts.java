package org.switchboard.presence;

/**
 * Counts since start.
 *
 * @param accepted      updates that moved their presentity's category forward and reached listeners
 * @param outOfOrder    updates dropped because a newer one had been seen (here or by another pool)
 * @param duplicates    updates dropped because they had been seen already
 * @param untimed       offered updates that carried no publish time
 * @param refused       bodies refused (unsupported type, hostile or malformed XML)
 * @param storeFailures conditional writes the shared store failed; the update was kept in memory
 */
public record PresenceCounts(long accepted, long outOfOrder, long duplicates, long untimed, long refused, long storeFailures) {
}
