package org.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time a server has used, from /proc (Linux): a process and every process below it, all their threads. */
public final class ProcessCpu {

    /** The kernel's clock ticks per second for /proc/PID/stat (USER_HZ, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessCpu() {
    }

    /** User + system seconds of {@code root} and its descendants alive now (a process gone meanwhile counts 0). */
    public static double seconds(ProcessHandle root) {
        return Stream.concat(Stream.of(root), root.descendants()).mapToDouble(p -> seconds(p.pid())).sum();
    }

    /** User + system seconds of one process (all its threads); 0 when it is gone. */
    public static double seconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException e) {
            return 0;
        }
    }
}
