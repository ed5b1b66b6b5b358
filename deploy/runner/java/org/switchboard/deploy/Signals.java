package org.switchboard.deploy;

import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C) and SIGTERM ask the runner to stop. Handling them, rather than letting the JVM
 * run its shutdown hooks, lets the container stop in order and the process exit with status 0.
 * {@code deploy/pool} also takes SIGHUP, the usual "reload" signal of daemons, as the request for a rolling restart.
 */
final class Signals {

    private Signals() {
    }

    static void onTermination(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> action.run());
        }
    }

    /** Replaces the JVM's default for SIGHUP (exit) with {@code action}, run on the JVM's signal thread: keep it short. */
    static void onHangup(Runnable action) {
        Signal.handle(new Signal("HUP"), signal -> action.run());
    }
}
