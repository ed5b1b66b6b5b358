package org.switchboard.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.switchboard.config.ServerSettings;
import org.switchboard.config.Transport;

/**
 * {@code deploy/run --tls-self-signed}: SIP over TLS on loopback in one command, to try it. Makes (once) a key and a
 * self-signed certificate for 127.0.0.1 and localhost with the JDK's {@code keytool} in the data directory, under a
 * random password kept beside it readable by its owner only, and turns on the {@code tls} transport with it.
 */
final class SelfSignedCertificate {

    static final String DIRECTORY = "tls";
    static final String KEYSTORE = "self-signed.p12";
    static final String PASSWORD_FILE = "self-signed.password";
    private static final long KEYTOOL_TIMEOUT_SECONDS = 120;

    private SelfSignedCertificate() {
    }

    /** The configuration overrides that listen on TLS with the certificate in {@code dataDir}, made if missing. */
    static Map<String, String> overrides(Path dataDir, ServerSettings server) throws IOException {
        Path dir = dataDir.resolve(DIRECTORY);
        Path keystore = dir.resolve(KEYSTORE);
        Path passwordFile = dir.resolve(PASSWORD_FILE);
        if (!Files.exists(keystore) || !Files.exists(passwordFile)) {
            make(dir, keystore, passwordFile);
        }
        List<Transport> transports = new ArrayList<>(server.sipTransports());
        if (!transports.contains(Transport.TLS)) {
            transports.add(Transport.TLS);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("server.sip-transports", transports.stream().map(Transport::id).collect(Collectors.joining(", ", "[", "]")));
        overrides.put("server.tls.keystore", quoted(keystore.toAbsolutePath().toString()));
        overrides.put("server.tls.keystore-password", quoted(Files.readString(passwordFile).strip()));
        overrides.put("server.tls.truststore", "\"\"");
        // A client without a certificate is served (there is no CA to give it one); one presenting a certificate
        // must present this one.
        overrides.put("server.tls.client-auth", "want");
        return overrides;
    }

    private static void make(Path dir, Path keystore, Path passwordFile) throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(keystore);
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        Files.deleteIfExists(passwordFile);
        Files.createFile(passwordFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(passwordFile, password + "\n", StandardCharsets.US_ASCII);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "switchboard", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "365",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass:env", "SWITCHBOARD_KEYSTORE_PASSWORD");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("SWITCHBOARD_KEYSTORE_PASSWORD", password);
        Process keytool = builder.start();
        try {
            if (!keytool.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                keytool.destroyForcibly();
                throw new IOException("keytool did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        }
        if (keytool.exitValue() != 0) {
            String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            throw new IOException("keytool failed: " + output.replaceAll("\\s*\\R\\s*", " "));
        }
    }

    /** A YAML scalar in double quotes: a path or a hex password read as text whatever it looks like. */
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
