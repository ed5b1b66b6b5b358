package org.switchboard.presence;

/**
 * The order of updates for one presentity and category: publish time first; on equal publish times the
 * larger digest. Equal stamps mean the same update (delivered twice, or through two pools).
 */
public record PresenceStamp(PublishTime publishTime, long digest) implements Comparable<PresenceStamp> {

    @Override
    public int compareTo(PresenceStamp other) {
        int byTime = publishTime.compareTo(other.publishTime);
        return byTime != 0 ? byTime : Long.compare(digest, other.digest);
    }
}
