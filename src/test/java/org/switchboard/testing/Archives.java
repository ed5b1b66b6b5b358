package org.switchboard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Builds archives the way a developer would: a bean jar, the Switchboard WAR plus that jar, or a WAR of its own. */
public final class Archives {

    private Archives() {
    }

    /**
     * A jar with a META-INF/beans.xml and every class of one package of the test classes (for
     * example {@code org/switchboard/testing/beans}).
     */
    public static Map<String, byte[]> beanJarEntries(String packagePath) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("META-INF/beans.xml", "<beans bean-discovery-mode=\"annotated\" version=\"4.0\"/>".getBytes(StandardCharsets.UTF_8));
        entries.putAll(classes(packagePath, ""));
        return entries;
    }

    /** The classes of one package of the test classes, under {@code prefix} (e.g. WEB-INF/classes/). */
    public static Map<String, byte[]> classes(String packagePath, String prefix) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(Build.testClasses().resolve(packagePath))) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                if (file.toString().endsWith(".class")) {
                    entries.put(prefix + packagePath + "/" + file.getFileName(), Files.readAllBytes(file));
                }
            }
        }
        return entries;
    }

    /** Writes a zip (jar or war) with these entries. */
    public static Path write(Path file, Map<String, byte[]> entries) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        return file;
    }

    /** The built Switchboard WAR with {@code extraLibs} (name → jar bytes) added to WEB-INF/lib. */
    public static Path switchboardWarWith(Path file, Map<String, byte[]> extraLibs) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipFile original = new ZipFile(Build.war().toFile())) {
            for (ZipEntry entry : Collections.list(original.entries())) {
                if (!entry.isDirectory()) {
                    try (InputStream in = original.getInputStream(entry)) {
                        entries.put(entry.getName(), in.readAllBytes());
                    }
                }
            }
        }
        extraLibs.forEach((name, jar) -> entries.put("WEB-INF/lib/" + name, jar));
        return write(file, entries);
    }

    /** The bytes of a jar with these entries. */
    public static byte[] jar(Path scratch, Map<String, byte[]> entries) throws IOException {
        return Files.readAllBytes(write(scratch, entries));
    }
}
