package org.switchboard.presence.view;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.Aor;

/**
 * One target's events, raised under its subscription's monitor and delivered after it is released, in the order
 * they were raised: listeners (the user's, and the presence store that writes to the database) never run under
 * the subscription's lock, so they neither hold up the SIP thread that handles the next answer of that target nor
 * take a second lock while holding it. Delivery runs on {@code delivery}: in production a serial executor of the
 * target over the platform's delivery threads, so that the SIP thread that raised the events answers its request
 * without waiting for the listeners (the presence store's database write among them); in tests on a manual clock the
 * raising thread itself. Whichever delivery finds no other under way delivers everything queued, in order.
 */
final class EventOutbox implements SubscriptionEvents {

    private static final Logger LOG = LoggerFactory.getLogger(EventOutbox.class);

    private final SubscriptionEvents downstream;
    private final Queue<Runnable> queued = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean delivering = new AtomicBoolean();
    private final Executor delivery;

    EventOutbox(SubscriptionEvents downstream, Executor delivery) {
        this.downstream = downstream;
        this.delivery = delivery;
    }

    @Override
    public void stateChanged(StateChange change) {
        queued.add(() -> downstream.stateChanged(change));
    }

    @Override
    public void presence(Aor target, String contentType, String body) {
        queued.add(() -> downstream.presence(target, contentType, body));
    }

    /** Hands what is queued to the delivery executor. */
    void deliver() {
        if (!queued.isEmpty()) {
            delivery.execute(this::drain);
        }
    }

    /** Delivers what is queued, unless another delivery is under way (it then delivers these events too). */
    private void drain() {
        while (!queued.isEmpty() && delivering.compareAndSet(false, true)) {
            try {
                for (Runnable event = queued.poll(); event != null; event = queued.poll()) {
                    try {
                        event.run();
                    } catch (RuntimeException e) {
                        LOG.warn("A presence view listener failed; the next events are delivered all the same", e);
                    }
                }
            } finally {
                delivering.set(false);
            }
        }
    }
}
