package org.switchboard.endpoint;

import java.util.Objects;

/**
 * The value of an {@code Ms-Conversation-ID} header, which ties the requests of one conversation
 * together. Surrounding whitespace is dropped; otherwise it is compared exactly, case included, because
 * clients generate it as opaque (often base64) text.
 */
public record ConversationId(String value) {

    /** Clients send a few dozen characters; the bound keeps a hostile header from pinning memory. */
    static final int MAX_LENGTH = 256;

    /** @throws IllegalArgumentException when the value is blank, too long or has control characters */
    public ConversationId {
        value = Objects.requireNonNull(value, "value").strip();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("blank conversation id");
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("conversation id longer than " + MAX_LENGTH + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("control character in conversation id " + UriChars.quote(value));
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
