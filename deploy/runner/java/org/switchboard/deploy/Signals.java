package org.switchboard.deploy;

import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C) and SIGTERM ask the runner to stop. Handling them, rather than letting the JVM
 * run its shutdown hooks, lets the container stop in order and the process exit with status 0.
 */
final class Signals {

    private Signals() {
    }

    static void onTermination(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> action.run());
        }
    }
}
