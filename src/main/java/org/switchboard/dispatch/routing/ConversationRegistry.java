package org.switchboard.dispatch.routing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import org.switchboard.endpoint.ConversationId;

/**
 * Which endpoints handle which conversation, learned from the requests endpoints send and receive.
 *
 * <p>An endpoint's part in a conversation lapses when no request of it was seen for the idle timeout;
 * lapsed parts are dropped when looked up and by {@link #purgeExpired()}, which the owner schedules.
 * Memory is bounded: beyond the maximum number of conversations, the least recently used one is
 * forgotten, where use means a request learned through {@link #remember}.
 *
 * <p>One lock guards the map: every operation is a handful of map steps, and lookups mutate (they drop
 * lapsed parts), so a read-write split would not pay.
 */
public final class ConversationRegistry {

    /**
     * A conversation rarely has more than its two sides on one platform; the cap bounds what one
     * conversation can hold when many endpoints take part.
     */
    static final int MAX_HANDLERS_PER_CONVERSATION = 8;

    private record Handler(EndpointRef endpoint, Instant lastSeen) {
    }

    private final Clock clock;
    /** Tunable at run time; applies at once to every conversation, since expiry is computed from the last request. */
    private volatile Duration idleTimeout;
    private final int maxConversations;
    /** Insertion order is the order of last use, because {@link #remember} re-inserts. */
    private final LinkedHashMap<ConversationId, List<Handler>> conversations = new LinkedHashMap<>();

    /**
     * @param idleTimeout how long an endpoint's part in a conversation lasts without a request
     * @param maxConversations how many conversations are remembered at most
     */
    public ConversationRegistry(Clock clock, Duration idleTimeout, int maxConversations) {
        this.clock = Objects.requireNonNull(clock, "clock");
        setIdleTimeout(idleTimeout);
        if (maxConversations < 1) {
            throw new IllegalArgumentException("maximum number of conversations must be at least 1, not " + maxConversations);
        }
        this.maxConversations = maxConversations;
    }

    /**
     * Records that an endpoint sent or received a request of this conversation. For an application pool,
     * the member seen last replaces earlier members: the pool counts as one handler.
     */
    public void remember(ConversationId conversation, EndpointRef endpoint) {
        Objects.requireNonNull(conversation, "conversation");
        Objects.requireNonNull(endpoint, "endpoint");
        Instant now = clock.instant();
        synchronized (conversations) {
            List<Handler> previous = conversations.remove(conversation);
            List<Handler> handlers = new ArrayList<>(MAX_HANDLERS_PER_CONVERSATION);
            if (previous != null) {
                for (Handler handler : previous) {
                    if (!isExpired(handler, now) && !sameHandler(handler.endpoint(), endpoint)) {
                        handlers.add(handler);
                    }
                }
            }
            if (handlers.size() == MAX_HANDLERS_PER_CONVERSATION) {
                handlers.remove(indexOfLeastRecent(handlers));
            }
            handlers.add(new Handler(endpoint, now));
            conversations.put(conversation, List.copyOf(handlers));
            Iterator<ConversationId> eldest = conversations.keySet().iterator();
            while (conversations.size() > maxConversations) {
                eldest.next();
                eldest.remove();
            }
        }
    }

    /**
     * Drops every conversation whose handlers have all been idle for the timeout.
     *
     * @return how many conversations were dropped
     */
    public int purgeExpired() {
        Instant now = clock.instant();
        int purged = 0;
        synchronized (conversations) {
            Iterator<List<Handler>> oldestFirst = conversations.values().iterator();
            while (oldestFirst.hasNext()) {
                List<Handler> handlers = oldestFirst.next();
                if (!handlers.stream().allMatch(h -> isExpired(h, now))) {
                    // Entries are in order of last use, so later ones are fresher. Only a clock set back
                    // breaks that; what this leaves is dropped on lookup or evicted.
                    break;
                }
                oldestFirst.remove();
                purged++;
            }
        }
        return purged;
    }

    /** How many conversations are remembered. */
    public int size() {
        synchronized (conversations) {
            return conversations.size();
        }
    }

    /** The endpoints handling this conversation, most recently seen last; lapsed ones are dropped. */
    List<EndpointRef> handlersOf(ConversationId conversation) {
        Instant now = clock.instant();
        synchronized (conversations) {
            List<Handler> handlers = conversations.get(conversation);
            if (handlers == null) {
                return List.of();
            }
            List<EndpointRef> live = new ArrayList<>(handlers.size());
            List<Handler> kept = new ArrayList<>(handlers.size());
            for (Handler handler : handlers) {
                if (!isExpired(handler, now)) {
                    live.add(handler.endpoint());
                    kept.add(handler);
                }
            }
            if (kept.isEmpty()) {
                conversations.remove(conversation);
            } else if (kept.size() < handlers.size()) {
                conversations.put(conversation, List.copyOf(kept)); // keeps its place in the use order
            }
            return List.copyOf(live);
        }
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(Duration idleTimeout) {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive, not " + idleTimeout);
        }
        this.idleTimeout = idleTimeout;
    }

    private boolean isExpired(Handler handler, Instant now) {
        return !now.isBefore(handler.lastSeen().plus(idleTimeout));
    }

    /** The same endpoint, or another member of the same application pool. */
    private static boolean sameHandler(EndpointRef a, EndpointRef b) {
        return a.equals(b)
                || (a.kind() == EndpointRef.Kind.APPLICATION && b.kind() == EndpointRef.Kind.APPLICATION
                        && a.owner().equals(b.owner()));
    }

    private static int indexOfLeastRecent(List<Handler> handlers) {
        int least = 0;
        for (int i = 1; i < handlers.size(); i++) {
            if (handlers.get(i).lastSeen().isBefore(handlers.get(least).lastSeen())) {
                least = i;
            }
        }
        return least;
    }
}
