package org.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** SIPp's response times (its {@code -trace_rtt} files: "date_ms;response_time_ms;rtd_no", one line per answered call). */
public final class SippResponseTimes {

    private SippResponseTimes() {
    }

    /** Every response time in the trace files of {@code dir}, in ms, sorted; the files are deleted when {@code delete}. */
    public static double[] read(Path dir, boolean delete) throws IOException {
        List<Double> values = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith("_rtt.csv"))::iterator) {
                for (String line : Files.readAllLines(file)) {
                    String[] fields = line.split(";");
                    if (fields.length >= 2 && !fields[1].isEmpty() && Character.isDigit(fields[1].charAt(0))) {
                        values.add(Double.parseDouble(fields[1]));
                    }
                }
                if (delete) {
                    Files.delete(file);
                }
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** The q-quantile (nearest rank) of sorted values; NaN when there are none. */
    public static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(q * sorted.length) - 1))];
    }
}
