package org.switchboard.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;

/**
 * Whether the archive may hold endpoint beans of the user's own besides the shipped ones. Their names
 * are only known once CDI has started inside the application, so the runner does not refuse a name it
 * does not know when they may exist; it never loads the user's classes to find out.
 */
final class ArchiveBeans {

    private static final String LIB = "WEB-INF/lib/";
    private static final String CLASSES = "WEB-INF/classes/";

    private ArchiveBeans() {
    }

    /**
     * True when a jar in {@code WEB-INF/lib} is a bean archive (has {@code META-INF/beans.xml}, as the README
     * asks of a jar of beans) or {@code WEB-INF/classes} holds classes outside the application's own package.
     */
    static boolean mayHoldBeansOfItsOwn(Path war) throws IOException {
        try (ZipFile archive = new ZipFile(war.toFile())) {
            Enumeration<? extends ZipEntry> entries = archive.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (name.startsWith(CLASSES) && name.endsWith(".class") && !name.startsWith(CLASSES + "org/switchboard/")) {
                    return true;
                }
                if (name.startsWith(LIB) && name.endsWith(".jar") && isBeanArchive(archive, entry)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isBeanArchive(ZipFile archive, ZipEntry jar) throws IOException {
        try (InputStream in = archive.getInputStream(jar); ZipInputStream entries = new ZipInputStream(in)) {
            for (ZipEntry entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
                if (entry.getName().equals("META-INF/beans.xml")) {
                    return true;
                }
            }
        }
        return false;
    }
}
