package org.switchboard.platform;

import java.util.Optional;
import java.util.function.Supplier;
import javax.servlet.ServletContext;
import org.switchboard.config.RunnerContract;
import org.switchboard.subscription.Recovery;

/**
 * Whether this instance should be given new work, as a load balancer asks it (the keep-alive OPTIONS, the health
 * JSON): not while it drains before stopping, not before the recovery of bridged subscriptions is done. The XMPP
 * bridge's connection is not part of it: SIP service goes on while XMPP is down, and in a pool the bridge is active on
 * one instance only, so the others must still take SIP traffic (the bridge's state is in the health JSON).
 */
final class Readiness implements Supplier<Optional<String>> {

    private final ServletContext context;
    private final Optional<Recovery> recovery;

    Readiness(ServletContext context, Optional<Recovery> recovery) {
        this.context = context;
        this.recovery = recovery;
    }

    /** Empty when ready; else why not, in a few words (it becomes the reason phrase of the 503). */
    @Override
    public Optional<String> get() {
        if (Boolean.TRUE.equals(context.getAttribute(RunnerContract.DRAINING_ATTRIBUTE))) {
            return Optional.of("Draining");
        }
        if (recovery.isPresent() && !recovery.get().progress().finished()) {
            return Optional.of("Recovering Subscriptions");
        }
        return Optional.empty();
    }
}
