package org.switchboard.bench;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Live heap of another JVM, read with jcmd: a full collection first, then the heap's "used" figure. */
final class Heap {

    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private Heap() {
    }

    /** Live heap after a full collection, in bytes. */
    static long live(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process gc = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.run").redirectErrorStream(true).start();
        gc.getInputStream().readAllBytes();
        gc.waitFor(120, TimeUnit.SECONDS);
        Process info = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
        String text = new String(info.getInputStream().readAllBytes());
        info.waitFor(60, TimeUnit.SECONDS);
        Matcher m = USED.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in jcmd output:\n" + text);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }
}
