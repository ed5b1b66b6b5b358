package org.switchboard.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The live heap of another JVM: a full collection, then the used figure of GC.heap_info, both through jcmd. */
public final class LiveHeap {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private LiveHeap() {
    }

    /** Bytes in use after a full collection (the smaller of two readings, so a collection racing with traffic does not count). */
    public static long of(long pid) throws Exception {
        return Math.min(once(pid), once(pid));
    }

    private static long once(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process gc = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        gc.waitFor(60, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
        String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        info.waitFor(60, TimeUnit.SECONDS);
        Matcher m = USED.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in jcmd output:\n" + text);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
