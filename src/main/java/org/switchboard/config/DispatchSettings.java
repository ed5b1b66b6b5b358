package org.switchboard.config;

/**
 * Dispatch tuning. The conversation registry remembers which endpoint handles each
 * Ms-Conversation-ID; these bound how long and how many, so memory stays bounded.
 */
public record DispatchSettings(int conversationIdleSeconds, int conversationMaxEntries) {

    static DispatchSettings defaults() {
        return new DispatchSettings(600, 100_000);
    }
}
