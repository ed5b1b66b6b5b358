package org.switchboard.testing;

/** Stops what a test started, in the order given, each even when one before it failed. */
public final class Stopping {

    private Stopping() {
    }

    /** Closes every non-null item in order; the first failure is thrown once all were tried, the others added to it. */
    public static void all(AutoCloseable... items) throws Exception {
        Exception first = null;
        for (AutoCloseable item : items) {
            if (item == null) {
                continue;
            }
            try {
                item.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
