package org.switchboard.registration;

import java.time.Duration;

/**
 * @param expires          Expires asked for
 * @param failureDetection how long the primary may fail before the backup is used
 * @param fallback         how long the primary must answer probes before the endpoint returns to it
 * @param probeInterval    how often a failing or left primary is tried; also how long an answer is awaited
 * @param maxRedirects     301s followed in a row; one more is a loop
 */
public record RegistrationPolicy(Duration expires, Duration failureDetection, Duration fallback, Duration probeInterval,
        int maxRedirects) {

    /** Refresh a minute before expiry, or half-way for grants under two minutes. */
    Duration refreshAfter(Duration granted) {
        return granted.compareTo(Duration.ofMinutes(2)) < 0 ? granted.dividedBy(2) : granted.minusMinutes(1);
    }
}
