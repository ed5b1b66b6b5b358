package org.switchboard.platform;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closing at shut-down: one failure must not keep the rest open. */
final class Closing {

    private static final Logger LOG = LoggerFactory.getLogger(Closing.class);

    private Closing() {
    }

    static void quietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            LOG.warn("Problem while stopping {}: {}", resource.getClass().getSimpleName(), e.toString());
        }
    }
}
