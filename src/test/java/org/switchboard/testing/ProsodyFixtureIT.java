package org.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The XMPP test fixtures against the real Prosody: users subscribe, approve and see each other's presence,
 * they log in again by themselves after a restart of Prosody, and the component port takes the XEP-0114
 * handshake with the right secret and refuses a wrong one.
 */
class ProsodyFixtureIT {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path work;

    @BeforeEach
    void prosodyIsInstalled() {
        TestProsody.assumeInstalled();
    }

    @Test
    void two_users_subscribe_to_each_other_see_presence_and_reconnect_after_a_restart_of_prosody() throws Exception {
        try (TestProsody prosody = TestProsody.start(work.resolve("prosody"))) {
            prosody.register("alice", "pw-a");
            prosody.register("bob", "pw-b");
            String aliceJid = "alice@" + prosody.xmppDomain();
            String bobJid = "bob@" + prosody.xmppDomain();
            try (XmppUser alice = XmppUser.login(prosody, "alice", "pw-a");
                 XmppUser bob = XmppUser.login(prosody, "bob", "pw-b")) {
                alice.subscribe(bobJid);
                bob.awaitSubscriptionRequest(aliceJid, WAIT);
                bob.approve(aliceJid);
                alice.awaitType(bobJid, Presence.Type.subscribed, WAIT);

                bob.subscribe(aliceJid);
                alice.awaitSubscriptionRequest(bobJid, WAIT);
                alice.approve(bobJid);
                bob.awaitType(aliceJid, Presence.Type.subscribed, WAIT);

                bob.available(Presence.Mode.dnd, "meeting");
                Presence seenByAlice = alice.awaitPresence(bobJid, p -> p.getMode() == Presence.Mode.dnd, WAIT);
                assertThat(seenByAlice.getStatus()).isEqualTo("meeting");

                alice.available(Presence.Mode.away, "lunch");
                Presence seenByBob = bob.awaitPresence(aliceJid, p -> p.getMode() == Presence.Mode.away, WAIT);
                assertThat(seenByBob.getStatus()).isEqualTo("lunch");

                prosody.restart();
                alice.awaitAuthenticated(Duration.ofSeconds(20));
                bob.awaitAuthenticated(Duration.ofSeconds(20));

                // The roster survived the restart: presence still flows both ways.
                bob.available(Presence.Mode.xa, "gone home");
                assertThat(alice.awaitPresence(bobJid, p -> p.getMode() == Presence.Mode.xa, WAIT).getStatus()).isEqualTo("gone home");

                alice.unsubscribe(bobJid);
                bob.awaitType(aliceJid, Presence.Type.unsubscribe, WAIT);
            }
        }
    }

    @Test
    void the_component_port_accepts_the_handshake_with_the_secret_and_refuses_a_wrong_one() throws Exception {
        try (TestProsody prosody = TestProsody.start(work.resolve("prosody"))) {
            String accepted = componentHandshake(prosody, prosody.componentSecret());
            assertThat(accepted).as("Prosody's answer to the right secret").contains("<handshake/>").doesNotContain("stream:error");

            String refused = componentHandshake(prosody, "not-" + prosody.componentSecret());
            assertThat(refused).as("Prosody's answer to a wrong secret").contains("stream:error").contains("not-authorized")
                    .doesNotContain("<handshake/>");
        }
    }

    /** XEP-0114 over a raw socket: stream header to the component domain, then SHA-1(stream id + secret) in hex; Prosody's answer. */
    private static String componentHandshake(TestProsody prosody, String secret) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), prosody.componentPort()), 5000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='"
                    + prosody.componentDomain() + "'>").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String header = readUntil(in, Pattern.compile("<stream:stream[^>]*\\bid=['\"]([^'\"]+)['\"][^>]*>"));
            Matcher id = Pattern.compile("\\bid=['\"]([^'\"]+)['\"]").matcher(header.substring(header.indexOf("<stream:stream")));
            assertThat(id.find()).as("stream id in %s", header).isTrue();
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((id.group(1) + secret).getBytes(StandardCharsets.UTF_8));
            out.write(("<handshake>" + HexFormat.of().formatHex(digest) + "</handshake>").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return readUntil(in, Pattern.compile("<handshake\\s*/>|</stream:error>|<handshake></handshake>"));
        }
    }

    private static String readUntil(InputStream in, Pattern end) throws IOException {
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            if (end.matcher(text).find()) {
                return text.toString();
            }
        }
        return text.toString();
    }
}
