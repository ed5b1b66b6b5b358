package org.switchboard.dispatch.routing;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What became of the requests dispatched since start: delivered by which rule, handed to the default routing
 * endpoint and why, answered by the platform itself (keep-alive OPTIONS), or rejected with which status code.
 * Lock-free counters, safe from every container thread.
 */
public final class DispatchCounts {

    private final Map<Rule, LongAdder> delivered = new EnumMap<>(Rule.class);
    private final Map<RoutingDecision.Reason, LongAdder> defaultRouted = new EnumMap<>(RoutingDecision.Reason.class);
    private final LongAdder keepAlives = new LongAdder();
    private final Map<Integer, LongAdder> rejected = new ConcurrentHashMap<>();

    public DispatchCounts() {
        for (Rule rule : Rule.values()) {
            delivered.put(rule, new LongAdder());
        }
        for (RoutingDecision.Reason reason : RoutingDecision.Reason.values()) {
            defaultRouted.put(reason, new LongAdder());
        }
    }

    /** Counts one decision carried out. */
    public void count(RoutingDecision decision) {
        if (decision instanceof RoutingDecision.Delivered d) {
            delivered.get(d.rule()).increment();
        } else if (decision instanceof RoutingDecision.DefaultRouted d) {
            defaultRouted.get(d.reason()).increment();
        } else if (decision instanceof RoutingDecision.Rejected r) {
            rejected(r.statusCode());
        }
    }

    /** A request the platform refused before any rule, or a rule's endpoint that failed. */
    public void rejected(int statusCode) {
        rejected.computeIfAbsent(statusCode, code -> new LongAdder()).increment();
    }

    /** An OPTIONS that matched no endpoint, answered 200 by the platform. */
    public void keepAlive() {
        keepAlives.increment();
    }

    public long delivered(Rule rule) {
        return delivered.get(rule).sum();
    }

    public long defaultRouted(RoutingDecision.Reason reason) {
        return defaultRouted.get(reason).sum();
    }

    public long keepAlives() {
        return keepAlives.sum();
    }

    /** Rejections so far by status code, for the codes seen. */
    public Map<Integer, Long> rejections() {
        Map<Integer, Long> counts = new TreeMap<>();
        rejected.forEach((code, n) -> counts.put(code, n.sum()));
        return counts;
    }

    public long rejections(int statusCode) {
        LongAdder n = rejected.get(statusCode);
        return n == null ? 0 : n.sum();
    }
}
