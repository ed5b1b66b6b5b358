package org.switchboard.presence;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import org.switchboard.endpoint.Aor;

/**
 * One presence update for one presentity and category, with the publisher's publish time.
 *
 * @param presentity  whose presence this is
 * @param category    what part of it: {@code pidf} for a whole PIDF document, or a Microsoft category
 *                    instance such as {@code state/0@2} (name / instance @ container)
 * @param publishTime when the publisher published it
 * @param contentType the MIME type of {@code document}
 * @param document    the PIDF document, or the Microsoft {@code <category>} element
 * @param digest      the first 64 bits of the SHA-256 of content type and document: breaks ties between
 *                    different updates with the same publish time the same way on every instance
 */
public record PresenceUpdate(Aor presentity, String category, PublishTime publishTime, String contentType,
        String document, long digest) {

    public PresenceUpdate {
        Objects.requireNonNull(presentity, "presentity");
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(publishTime, "publishTime");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(document, "document");
    }

    public static PresenceUpdate of(Aor presentity, String category, PublishTime publishTime, String contentType, String document) {
        return new PresenceUpdate(presentity, category, publishTime, contentType, document, digest(contentType, document));
    }

    public PresenceKey key() {
        return new PresenceKey(presentity, category);
    }

    /** What the ordering rule compares. */
    public PresenceStamp stamp() {
        return new PresenceStamp(publishTime, digest);
    }

    static long digest(String contentType, String document) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(contentType.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) '\n');
            byte[] hash = sha.digest(document.getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                value = (value << 8) | (hash[i] & 0xff);
            }
            return value;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return presentity + " [" + category + "] published " + publishTime;
    }
}
