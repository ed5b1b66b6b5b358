package org.switchboard.config;

import java.util.List;

/**
 * Presence handling: the largest presence body accepted (in characters; larger ones are refused unread),
 * how long the presence store remembers a presentity nobody offers presence of any more (longer than a
 * view's refresh interval, since every refresh brings a NOTIFY), and how presence views keep their subscriptions.
 */
public record PresenceSettings(int maxDocumentChars, int forgetIdleSeconds, ViewSettings views) {

    static PresenceSettings defaults() {
        return new PresenceSettings(65_536, 7200, ViewSettings.defaults());
    }

    /**
     * @param expiresSeconds             the Expires asked for in SUBSCRIBE
     * @param retryDelaysSeconds         after a failed SUBSCRIBE or refresh, the delay before each new attempt
     *                                   (their count is the number of attempts) before the view gives up
     * @param retryJitter                each delay is stretched or shrunk at random by up to this fraction
     * @param reestablishInitialSeconds  a subscription that gave up is tried again after this, doubling…
     * @param reestablishMaxSeconds      …up to this, until it succeeds or its view lets it go
     * @param pollingIntervalSeconds     polling views fetch each target this often
     * @param bulkSubscribesPerSecond    SUBSCRIBEs started in bulk (targets added to a view, forced refreshes of a view,
     *                                   an endpoint or the platform) go out at most this fast
     */
    public record ViewSettings(int expiresSeconds, List<Integer> retryDelaysSeconds, double retryJitter,
            int reestablishInitialSeconds, int reestablishMaxSeconds, int pollingIntervalSeconds, int bulkSubscribesPerSecond) {

        public ViewSettings {
            retryDelaysSeconds = retryDelaysSeconds == null ? List.of() : List.copyOf(retryDelaysSeconds);
        }

        static ViewSettings defaults() {
            return new ViewSettings(3600, List.of(5, 15, 30), 0.2, 30, 600, 300, 50);
        }
    }
}
