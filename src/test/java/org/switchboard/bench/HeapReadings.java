package org.switchboard.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.switchboard.testing.LiveHeap;

/**
 * Three readings of another JVM's live heap, a few seconds apart, the live objects' bytes per class after them
 * ({@code jcmd GC.class_histogram}), and what the memory benchmarks derive from them.
 */
record HeapReadings(long[] bytes, Map<String, Long> bytesPerClass) {

    private static final int READINGS = 3;
    /** A line of the histogram: rank, instances, bytes, class name (and its module, left out). */
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+\\d+\\s+(\\d+)\\s+(\\S+)");

    static HeapReadings none() {
        return new HeapReadings(new long[0], Map.of());
    }

    static HeapReadings read(long pid) throws Exception {
        long[] bytes = new long[READINGS];
        for (int i = 0; i < READINGS; i++) {
            bytes[i] = LiveHeap.of(pid);
            Thread.sleep(2000);
        }
        return new HeapReadings(bytes, histogram(pid));
    }

    private static Map<String, Long> histogram(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        Map<String, Long> perClass = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = HISTOGRAM_LINE.matcher(line);
            if (m.find()) {
                perClass.merge(m.group(2), Long.parseLong(m.group(1)), Long::sum);
            }
        }
        return perClass;
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

    /** Bytes per item above the baseline, per class, the largest first (classes that grew by less than 16 bytes per item left out). */
    Map<String, Double> bytesPerItemByClass(HeapReadings baseline, int items) {
        return bytesPerClass.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), (e.getValue() - baseline.bytesPerClass().getOrDefault(e.getKey(), 0L)) / (double) items))
                .filter(e -> e.getValue() >= 16)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
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
