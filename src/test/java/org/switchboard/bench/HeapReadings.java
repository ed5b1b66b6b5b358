package org.switchboard.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.switchboard.testing.LiveHeap;

/** Three readings of another JVM's live heap, a few seconds apart, and what the memory benchmarks derive from them. */
record HeapReadings(long[] bytes) {

    private static final int READINGS = 3;

    static HeapReadings none() {
        return new HeapReadings(new long[0]);
    }

    static HeapReadings read(long pid) throws Exception {
        long[] bytes = new long[READINGS];
        for (int i = 0; i < READINGS; i++) {
            bytes[i] = LiveHeap.of(pid);
            Thread.sleep(2000);
        }
        return new HeapReadings(bytes);
    }

    /** The readings in MB, e.g. "250, 250, 251". */
    String megabytes() {
        return Arrays.stream(bytes).mapToObj(b -> String.format(Locale.ROOT, "%.0f", b / 1024.0 / 1024.0)).collect(Collectors.joining(", "));
    }

    /** KB per item above the baseline, from the medians. */
    double perItemKb(HeapReadings baseline, int items) {
        return (median() - baseline.median()) / 1024.0 / items;
    }

    /** KB per item above the baseline with its spread: the median, then the lowest and highest pairing of readings. */
    String perItemWithSpread(HeapReadings baseline, int items) {
        return String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", perItemKb(baseline, items), (min() - baseline.max()) / 1024.0 / items,
                (max() - baseline.min()) / 1024.0 / items);
    }

    private double median() {
        long[] sorted = bytes.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private long min() {
        return Arrays.stream(bytes).min().orElse(0);
    }

    private long max() {
        return Arrays.stream(bytes).max().orElse(0);
    }
}
