package org.switchboard.arquillian;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the deployed Switchboard listens, for a test to address it: inject it with
 * {@code @ArquillianResource DeployedSwitchboard switchboard}. Its ports are the ones chosen at
 * deployment (free ones when arquillian.xml says 0).
 */
public final class DeployedSwitchboard {

    private final String sipHost;
    private final int sipPort;
    private final int httpPort;
    private final long pid;
    private final Path log;

    DeployedSwitchboard(String sipHost, int sipPort, int httpPort, long pid, Path log) {
        this.sipHost = sipHost;
        this.sipPort = sipPort;
        this.httpPort = httpPort;
        this.pid = pid;
        this.log = log;
    }

    public String sipHost() {
        return sipHost;
    }

    public int sipPort() {
        return sipPort;
    }

    /** {@code sip:user@host:port}: an address that reaches the server directly. */
    public String sipUri(String user) {
        return "sip:" + user + "@" + hostPort(sipHost, sipPort);
    }

    public int httpPort() {
        return httpPort;
    }

    /** The application's HTTP base, ending in a slash: {@code http://127.0.0.1:PORT/switchboard/}. */
    public URI httpBaseUrl() {
        return URI.create("http://" + hostPort(sipHost, httpPort) + SwitchboardContainer.CONTEXT_PATH + "/");
    }

    /** The runner's process id: it is stopped by this pid on undeployment. */
    public long pid() {
        return pid;
    }

    /** What the runner wrote to its standard error so far: the container's and the application's log. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the runner's log " + log, e);
        }
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return "Switchboard (pid " + pid + ") SIP " + hostPort(sipHost, sipPort) + ", HTTP " + httpBaseUrl();
    }
}
