package org.switchboard.arquillian;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.shrinkwrap.api.Archive;
import org.jboss.shrinkwrap.api.Node;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.ArchiveAsset;
import org.jboss.shrinkwrap.api.asset.Asset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The archive each deployment runs. Merging a test's archive over the 36 MB switchboard.war and zipping the
 * result takes seconds, and most deployments of a test run add nothing but their configuration, or the same
 * beans jar again: so a deployment that adds nothing runs switchboard.war itself, and any other merge is
 * exported once per content (that of the war file and of every entry the test adds) and reused for the rest of
 * the JVM's life. The exported archives live in one temporary directory, deleted when the JVM ends.
 */
final class MergedArchives {

    private static final MergedArchives JVM_WIDE = new MergedArchives();

    private final Map<String, Path> exported = new ConcurrentHashMap<>();
    private Path directory;

    static MergedArchives jvmWide() {
        return JVM_WIDE;
    }

    /**
     * The war to run for {@code deployment} over {@code war}, leaving out the entry at {@code leftOut} (the
     * deployment's configuration, which the runner is given apart).
     */
    Path warFor(Path war, Archive<?> deployment, String leftOut) throws IOException {
        List<Node> added = addedEntries(deployment, leftOut);
        if (added.isEmpty()) {
            return war.toAbsolutePath();
        }
        String key = key(war, added);
        Path cached = exported.get(key);
        if (cached != null && Files.isRegularFile(cached)) {
            return cached;
        }
        synchronized (this) {
            cached = exported.get(key);
            if (cached != null && Files.isRegularFile(cached)) {
                return cached;
            }
            WebArchive merged = ShrinkWrap.createFromZipFile(WebArchive.class, war.toFile()).merge(deployment);
            merged.delete(leftOut);
            Path file = directory().resolve(key.substring(0, 16) + ".war");
            merged.as(ZipExporter.class).exportTo(file.toFile(), true);
            exported.put(key, file);
            return file;
        }
    }

    /** The files the deployment adds (directories alone add nothing), in path order. */
    private static List<Node> addedEntries(Archive<?> deployment, String leftOut) {
        return deployment.getContent().values().stream()
                .filter(node -> node.getAsset() != null)
                .filter(node -> !node.getPath().get().equals(leftOut))
                .sorted(Comparator.comparing(node -> node.getPath().get()))
                .toList();
    }

    /** SHA-256 over the war file's identity and the added entries' paths and bytes (nested archives by their own entries). */
    private static String key(Path war, List<Node> added) throws IOException {
        MessageDigest digest = sha256();
        update(digest, war.toAbsolutePath() + "|" + Files.size(war) + "|" + Files.getLastModifiedTime(war).toMillis());
        for (Node node : added) {
            digestNode(digest, node);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void digestNode(MessageDigest digest, Node node) throws IOException {
        update(digest, "\n" + node.getPath().get() + "\n");
        Asset asset = node.getAsset();
        if (asset instanceof ArchiveAsset nested) {
            // A nested jar's zipped bytes carry export times; its entries do not.
            for (Node inner : addedEntries(nested.getArchive(), null)) {
                digestNode(digest, inner);
            }
            return;
        }
        try (InputStream in = asset.openStream()) {
            byte[] buffer = new byte[8192];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
        }
    }

    private synchronized Path directory() throws IOException {
        if (directory == null) {
            Path made = Files.createTempDirectory("switchboard-arquillian-wars-");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(made), "switchboard-arquillian-wars-cleanup"));
            directory = made;
        }
        return directory;
    }

    private static void update(MessageDigest digest, String text) {
        digest.update(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary file is not worth failing a test run for
        }
    }

    /** How many merges were exported so far (for tests of the cache). */
    int exportCount() {
        return exported.size();
    }
}
