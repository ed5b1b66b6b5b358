package org.switchboard.presence.view;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.SwitchboardDeployment;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.Build;
import org.switchboard.testing.presencebeans.PresenceFeedEndpoint;

/**
 * Presence views on the wire, through the real container, against SIPp as the remote presence server:
 * 423 Interval Too Brief, the terminated reasons of RFC 6665, hostile NOTIFY bodies, polling, and a refresh
 * left unanswered. The shipped presence-monitor bean watches from configuration alone. SIPp logs what it saw
 * ({@code <log>} actions: each SUBSCRIBE with its Call-ID, Expires and wall clock).
 *
 * <p>One Switchboard for every case, deployed through the Arquillian adapter by hand ({@code managed = false}):
 * each case has its own SIPp on its own port, its own presence-monitor endpoint and its own target(s) at that
 * port ({@code sip:bob@127.0.0.1:PORT}; no Front End next hop, so each SUBSCRIBE goes straight to its case's
 * SIPp), and every SIPp listens before Switchboard starts, since a view subscribes at start-up. What a case
 * checks is its own: its target's state from the admin API ({@code /api/presence-views}), the presence updates
 * the store accepted for its target (the {@code presence-feed} test bean writes each one its store listener
 * hears, i.e. each accepted update, to a file), its view's refused bodies, and the log lines that name its
 * target.
 */
@ExtendWith(ArquillianExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceViewWireIT {

    private static final String WIRE = "presence-view-wire";

    /** Subscribed by the 200 or by the first NOTIFY, whichever the container hands over first. */
    private static final String SUBSCRIBED_BY_ANSWER_OR_NOTIFY = "SUBSCRIBING -> SUBSCRIBED \\((accepted 200|first NOTIFY)";

    private static final String SIPP = "/usr/bin/sipp";
    private static final Pattern SUBSCRIBE_LINE = Pattern.compile(
            "SUBSCRIBE call=(\\d+) sec=([0-9.]+) usec=([0-9.]+) expires=(\\d+) call-id=(\\S+)");
    private static final Pattern TERMINATING_LINE = Pattern.compile("TERMINATING call=(\\d+) sec=([0-9.]+) usec=([0-9.]+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * Each case's presence server and what watches it. The view settings are the platform's, the same for every
     * case: Expires 3600 asked, one retry after 1 s without jitter, re-establishment after 1 s (so a view that
     * wrongly tried again after a final NOTIFY would do it well inside the 4 s the noresource case looks at),
     * polling every 2 s. SIPp's overall timeout is long, as a case may be looked at minutes after its SIPp began.
     */
    enum Case {
        INTERVAL_TOO_BRIEF("presence-423-uas.xml", 2, "bob"),
        DEACTIVATED("presence-terminate-uas.xml", 2, "bob", "-key", "terminated_reason", "deactivated"),
        TIMEOUT("presence-terminate-uas.xml", 2, "bob", "-key", "terminated_reason", "timeout"),
        PROBATION("presence-terminate-uas.xml", 2, "bob", "-key", "terminated_reason", "probation;retry-after=2"),
        // -m 2: a second SUBSCRIBE would run call 2 to its end and make SIPp exit.
        NORESOURCE("presence-terminate-uas.xml", 2, "bob", "-key", "terminated_reason", "noresource"),
        START_UP("presence-accept-uas.xml", 1, "bob"),
        HOSTILE("presence-hostile-uas.xml", 1, "bob"),
        POLLING("presence-poll-uas.xml", 3, "bob"),
        // The user part is the grant: e60 is granted 60 s.
        IGNORED_REFRESH("presence-ignore-refresh-uas.xml", 100, "e60", "e30", "e20");

        final String scenario;
        final int calls;
        final List<String> users;
        final List<String> extra;
        final int port = FreePorts.udpAndTcp();

        Case(String scenario, int calls, String user, String... extra) {
            this(scenario, calls, List.of(user), extra);
        }

        Case(String scenario, int calls, String first, String second, String third) {
            this(scenario, calls, List.of(first, second, third));
        }

        Case(String scenario, int calls, List<String> users, String... extra) {
            this.scenario = scenario;
            this.calls = calls;
            this.users = users;
            this.extra = List.of(extra);
        }

        /** The case's (first) target: {@code sip:bob@127.0.0.1:PORT}. */
        String target() {
            return targets().get(0);
        }

        List<String> targets() {
            return users.stream().map(user -> "sip:" + user + "@127.0.0.1:" + port).toList();
        }

        String monitor() {
            return "sip:monitor-" + name().toLowerCase().replace('_', '-') + "@example.com";
        }
    }

    /** SIPp's files, and what the configuration names: the accepted-updates file and the database. */
    @TempDir
    static Path work;

    @ArquillianResource
    Deployer deployer;

    private final Map<Case, Sipp> peers = new EnumMap<>(Case.class);
    private String marker;

    @Deployment(name = WIRE, managed = false, testable = false)
    public static WebArchive oneSwitchboardForEveryCase() {
        return SwitchboardDeployment.configuration(
                SwitchboardDeployment.withBeans("presence-feed.jar", PresenceFeedEndpoint.class), PresenceViewWireIT::config);
    }

    private static String config() {
        StringBuilder endpoints = new StringBuilder();
        for (Case c : Case.values()) {
            endpoints.append("  - aor: ").append(c.monitor()).append("\n    bean: presence-monitor\n    settings:\n      targets: [")
                    .append(c.targets().stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))).append("]\n");
            if (c == Case.POLLING) {
                endpoints.append("      mode: polling\n");
            }
        }
        return """
                storage:
                  database:
                    url: "jdbc:h2:file:%s"
                    username: sa
                presence:
                  views:
                    expires-seconds: 3600
                    retry-delays-seconds: [1]
                    retry-jitter: 0
                    reestablish-initial-seconds: 1
                    reestablish-max-seconds: 1
                    polling-interval-seconds: 2
                %sendpoints:
                  - aor: sip:feed@example.com
                    bean: presence-feed
                    settings:
                      log-file: "%s"
                %s""".formatted(database(), AdminLogin.configSection(), acceptedFile(), endpoints);
    }

    private static Path database() {
        return work.resolve("db/switchboard").toAbsolutePath();
    }

    private static Path acceptedFile() {
        return work.resolve("accepted.log").toAbsolutePath();
    }

    /** Every case's SIPp first, then the one Switchboard (once). */
    @BeforeEach
    void peersThenSwitchboard() throws Exception {
        if (!peers.isEmpty()) {
            return;
        }
        marker = "XXE-MARKER-" + UUID.randomUUID();
        Path secret = Files.writeString(work.resolve("secret.txt"), marker);
        String laughs = pidfWithDoctype(billionLaughs(), "&lol9;", "2026-11-21T09:10:00Z");
        String xxe = pidfWithDoctype("<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">", "&xxe;", "2026-11-21T09:20:00Z");
        for (Case c : Case.values()) {
            List<String> extra = new ArrayList<>(c.extra);
            if (c == Case.HOSTILE) {
                extra.addAll(List.of("-key", "laughs_body", laughs, "-key", "xxe_body", xxe));
            }
            peers.put(c, sipp(c, extra));
        }
        deployer.deploy(WIRE);
    }

    @AfterAll
    void stopPeers() throws InterruptedException {
        for (Sipp sipp : peers.values()) {
            sipp.stop();
        }
    }

    /** One SUBSCRIBE as SIPp saw it. */
    record Subscribe(int call, double at, long expires, String callId) {
    }

    /** A SIPp presence server, its log of {@code <log>} actions and its screen output. */
    record Sipp(Process process, Path log, Path out) {

        List<Subscribe> subscribes() throws IOException {
            List<Subscribe> seen = new ArrayList<>();
            for (String line : logLines()) {
                Matcher m = SUBSCRIBE_LINE.matcher(line);
                if (m.find()) {
                    seen.add(new Subscribe(Integer.parseInt(m.group(1)), seconds(m.group(2), m.group(3)), Long.parseLong(m.group(4)),
                            m.group(5)));
                }
            }
            return seen;
        }

        /** When SIPp sent its NOTIFY terminated (wall clock, seconds). */
        double terminatingNotifySentAt() throws IOException {
            for (String line : logLines()) {
                Matcher m = TERMINATING_LINE.matcher(line);
                if (m.find()) {
                    return seconds(m.group(2), m.group(3));
                }
            }
            throw new AssertionError("SIPp never sent its NOTIFY terminated\n" + describe());
        }

        /** Whether SIPp got a 200 to its NOTIFY terminated. */
        boolean terminatingNotifyAnswered200() throws IOException {
            return logLines().stream().anyMatch(line -> line.startsWith("TERMINATED call=1 answered 200"));
        }

        List<String> logLines() throws IOException {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        }

        String describe() throws IOException {
            return "SIPp log:\n" + String.join("\n", logLines()) + "\nSIPp output:\n" + (Files.exists(out) ? Files.readString(out) : "");
        }

        void finishedSuccessfully(int timeoutSeconds, DeployedSwitchboard server, String target) throws Exception {
            assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("SIPp finished its calls\n%s\nserver log:\n%s", describe(),
                    logOf(server, target)).isTrue();
            assertThat(process.exitValue()).as("SIPp exit status (0: every call went as its scenario says)\n%s\nserver log:\n%s", describe(),
                    logOf(server, target)).isZero();
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }

        private static double seconds(String sec, String usec) {
            return Double.parseDouble(sec) + Double.parseDouble(usec) / 1_000_000;
        }
    }

    /** A target's state (admin API) and the publish times of the updates the store accepted for it, in order. */
    record Seen(String state, List<Instant> accepted, int refusedBodies) {
    }

    @Test
    @Order(1) // its SIPp answers three fetches and ends; the view is looked at before the fetch after those fails
    void polling_fetches_with_expires_0_in_a_new_dialog_every_interval_and_stores_each_body(@ArquillianResource DeployedSwitchboard server)
            throws Exception {
        Case c = Case.POLLING;
        Sipp sipp = peers.get(c);
        // Every call must be a fetch (Expires: 0), else SIPp fails it; each NOTIFY carries a newer PIDF.
        sipp.finishedSuccessfully(30, server, c.target());
        Seen seen = awaitSeen(server, c, s -> s.accepted().size() >= 3);
        assertThat(seen.accepted()).as("each fetch's NOTIFY body was stored: %s", seen)
                .containsExactly(at("2026-11-21T09:00:01Z"), at("2026-11-21T09:00:02Z"), at("2026-11-21T09:00:03Z"));
        assertThat(seen.state()).as("%s", seen).isEqualTo("SUBSCRIBED");

        List<Subscribe> subscribes = sipp.subscribes();
        assertThat(subscribes).as(sipp.describe()).hasSize(3).allSatisfy(s -> assertThat(s.expires()).isZero());
        assertThat(subscribes).extracting(Subscribe::callId).as("a new Call-ID for every fetch").doesNotHaveDuplicates();
        for (int i = 1; i < subscribes.size(); i++) {
            double gap = subscribes.get(i).at() - subscribes.get(i - 1).at();
            System.out.printf("polling: fetch %d came %.3f s after the one before%n", i + 1, gap);
            assertThat(gap).as("seconds between fetches %d and %d (interval 2 s)", i, i + 1).isBetween(1.5, 10.0);
        }
    }

    @Test
    void a_423_is_answered_by_subscribing_again_with_min_expires_in_a_new_dialog(@ArquillianResource DeployedSwitchboard server)
            throws Exception {
        Case c = Case.INTERVAL_TOO_BRIEF;
        Sipp sipp = peers.get(c);
        // Call 1 must ask for less than 7200 s (423), call 2 for exactly 7200 s (accepted): else SIPp fails.
        sipp.finishedSuccessfully(30, server, c.target());
        Seen seen = awaitSeen(server, c, s -> s.state().equals("SUBSCRIBED") && s.accepted().size() == 1);
        assertThat(seen.accepted()).as("the NOTIFY's presence, and only it: %s", seen).containsExactly(at("2026-11-21T09:00:00Z"));

        List<Subscribe> subscribes = sipp.subscribes();
        assertThat(subscribes).as(sipp.describe()).extracting(Subscribe::expires).containsExactly(3600L, 7200L);
        assertThat(subscribes.get(1).callId()).as("no dialog came of the refused SUBSCRIBE: the next one is a new Call-ID")
                .isNotEqualTo(subscribes.get(0).callId());
        String log = logOf(server, c.target());
        String tooBrief = c.target() + ": 423 Interval Too Brief, asking again for Min-Expires 7200 s";
        assertThat(log).contains(tooBrief);
        // A 423 is no failure: asked again at once, no waiting for a retry.
        // The 200 or the first NOTIFY, whichever is handled first (RFC 6665 lets the NOTIFY overtake the 200).
        assertThat(log.substring(log.indexOf(tooBrief))).as(log).containsPattern(SUBSCRIBED_BY_ANSWER_OR_NOTIFY)
                .doesNotContain("WAITING_FOR_RETRY");
    }

    /**
     * RFC 6665 §4.1.3: deactivated and timeout ask for a new subscription at once. The NOTIFY that says so
     * is answered 200 like any other, and a SUBSCRIBE with a new Call-ID follows at once (the bound on the
     * gap is loose; the state path, straight from Subscribed to Subscribing, is what tells "at once" from a
     * retry or a re-establishment).
     */
    @ParameterizedTest(name = "terminated;reason={0}")
    @EnumSource(value = Case.class, names = {"DEACTIVATED", "TIMEOUT"})
    void a_notify_terminated_asking_for_a_new_subscription_at_once_is_answered_200_and_one_follows(Case c,
            @ArquillianResource DeployedSwitchboard server) throws Exception {
        String reason = c.name().toLowerCase();
        double gap = resubscribed(peers.get(c), server, c, reason);
        assertThat(gap).as("seconds from the NOTIFY terminated to the new SUBSCRIBE").isLessThan(2.0);
        assertThat(logOf(server, c.target())).contains("SUBSCRIBED -> SUBSCRIBING (NOTIFY terminated;reason=" + reason + ")")
                .doesNotContain("WAITING_FOR_RETRY (NOTIFY");
    }

    /**
     * Probation with retry-after=2: wait that long, then subscribe again with a new Call-ID. The view's own
     * first retry delay is 1 s, so a view that ignored retry-after would come back too early.
     */
    @Test
    void a_notify_terminated_on_probation_is_followed_by_a_new_subscription_after_retry_after(@ArquillianResource DeployedSwitchboard server)
            throws Exception {
        Case c = Case.PROBATION;
        double gap = resubscribed(peers.get(c), server, c, "probation;retry-after=2");
        assertThat(gap).as("seconds from the NOTIFY terminated to the new SUBSCRIBE (retry-after=2)").isBetween(1.5, 10.0);
        assertThat(logOf(server, c.target())).contains("SUBSCRIBED -> WAITING_FOR_RETRY (NOTIFY terminated;reason=probation, again in 2 s)")
                .contains("WAITING_FOR_RETRY -> SUBSCRIBING (retrying)");
    }

    /**
     * What a resubscription after a NOTIFY terminated looks like on the wire: SIPp ran both calls to their
     * end (call 2 exists only if a SUBSCRIBE with a new Call-ID came: one in call 1's dialog would reach
     * its dead call; and call 1 fails unless its NOTIFY terminated was answered 200); the view is
     * subscribed again and both NOTIFYs' presence reached the store. Returns the seconds from the NOTIFY
     * terminated to the new SUBSCRIBE, as SIPp saw them.
     */
    private static double resubscribed(Sipp sipp, DeployedSwitchboard server, Case c, String reason) throws Exception {
        sipp.finishedSuccessfully(30, server, c.target());
        assertThat(sipp.terminatingNotifyAnswered200()).as(sipp.describe()).isTrue();
        Seen seen = awaitSeen(server, c, s -> s.state().equals("SUBSCRIBED") && s.accepted().size() == 2);
        assertThat(seen.accepted()).as("both NOTIFYs' presence, and only theirs: %s", seen)
                .containsExactly(at("2026-11-21T09:00:01Z"), at("2026-11-21T09:00:02Z"));

        List<Subscribe> subscribes = sipp.subscribes();
        assertThat(subscribes).as(sipp.describe()).hasSize(2);
        assertThat(subscribes.get(1).callId()).as("a new dialog").isNotEqualTo(subscribes.get(0).callId());
        double gap = subscribes.get(1).at() - sipp.terminatingNotifySentAt();
        System.out.printf("terminated;reason=%s: new SUBSCRIBE %.3f s after the NOTIFY terminated%n", reason, gap);
        return gap;
    }

    /**
     * Noresource is final: no new SUBSCRIBE. The retry and re-establishment delays are 1 s here, so a view
     * that wrongly tried again would do it well inside the 4 s looked at.
     */
    @Test
    void a_notify_terminated_with_reason_noresource_is_final(@ArquillianResource DeployedSwitchboard server) throws Exception {
        Case c = Case.NORESOURCE;
        Sipp sipp = peers.get(c);
        awaitSeen(server, c, s -> s.state().equals("TERMINATED"));

        assertThat(sipp.process().waitFor(4, TimeUnit.SECONDS)).as("SIPp saw no second subscription\n%s", sipp.describe()).isFalse();
        assertThat(sipp.terminatingNotifyAnswered200()).as(sipp.describe()).isTrue();
        assertThat(sipp.subscribes()).as(sipp.describe()).hasSize(1);
        Seen seen = awaitSeen(server, c, s -> s.accepted().size() >= 1); // heard on the delivery threads
        assertThat(seen.state()).as("%s", seen).isEqualTo("TERMINATED");
        assertThat(seen.accepted()).as("the first NOTIFY's presence: %s", seen).containsExactly(at("2026-11-21T09:00:01Z"));
        assertThat(logOf(server, c.target())).contains("SUBSCRIBED -> TERMINATING (NOTIFY terminated;reason=noresource)")
                .contains("TERMINATING -> TERMINATED (NOTIFY terminated;reason=noresource (final))")
                .doesNotContain("TERMINATED -> SUBSCRIBING");
    }

    /**
     * At start-up the view's first SUBSCRIBE goes out and reaches the presence server: it is not refused
     * inside the container and left to wait for a retry.
     */
    @Test
    void the_first_subscribe_at_start_up_reaches_the_presence_server_without_a_failure(@ArquillianResource DeployedSwitchboard server)
            throws Exception {
        Case c = Case.START_UP;
        peers.get(c).finishedSuccessfully(30, server, c.target());
        awaitSeen(server, c, s -> s.state().equals("SUBSCRIBED"));
        assertThat(logOf(server, c.target())).containsPattern(SUBSCRIBED_BY_ANSWER_OR_NOTIFY)
                .doesNotContain("Cannot send SUBSCRIBE").doesNotContain("SUBSCRIBE failed");
    }

    @Test
    void hostile_notify_bodies_are_answered_200_and_dropped_and_the_subscription_goes_on(@ArquillianResource DeployedSwitchboard server)
            throws Exception {
        Case c = Case.HOSTILE;
        Sipp sipp = peers.get(c);
        // Every NOTIFY, hostile or not, was answered 200 (else SIPp fails the call).
        sipp.finishedSuccessfully(30, server, c.target());
        String refused = "Presence of " + c.target() + " refused, the subscription goes on";
        awaitLog(server, c.target(), log -> occurrences(log, refused) == 2);
        Seen seen = awaitSeen(server, c, s -> s.accepted().size() >= 2);
        // Hostile bodies 09:10 and 09:20 are newer than the first good one (09:00): stored, they would have been heard.
        assertThat(seen.accepted()).as("the first and the later good NOTIFY, and only they: %s", seen)
                .containsExactly(at("2026-11-21T09:00:00Z"), at("2026-11-21T09:30:00Z"));
        assertThat(seen.state()).as("%s", seen).isEqualTo("SUBSCRIBED");
        assertThat(seen.refusedBodies()).as("the view's count agrees with the log: %s", seen).isEqualTo(2);

        assertThat(server.log()).doesNotContain(marker).doesNotContain("lollollol");
        String log = logOf(server, c.target());
        assertThat(log).doesNotContain("SUBSCRIBED -> ");
        assertThat(occurrences(log, refused)).isEqualTo(2);
    }

    /** The hostile case, once the server has stopped: what it stored is the last good body, nothing of the hostile ones. */
    @Test
    @Order(Integer.MAX_VALUE) // stops the shared server
    void after_the_stop_the_database_holds_the_last_good_body_and_nothing_of_the_hostile_ones(@ArquillianResource DeployedSwitchboard server)
            throws Exception {
        Case c = Case.HOSTILE;
        peers.get(c).finishedSuccessfully(30, server, c.target());
        awaitSeen(server, c, s -> s.accepted().size() >= 2);
        deployer.undeploy(WIRE);

        try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + database() + ";IFEXISTS=TRUE", "sa", "");
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT presentity, document FROM presence_state")) {
            List<String> documents = new ArrayList<>();
            while (rs.next()) {
                if (rs.getString("presentity").equals(c.target())) {
                    documents.add(rs.getString("document"));
                }
            }
            assertThat(documents).hasSize(1);
            assertThat(documents.get(0)).contains("2026-11-21T09:30:00Z").doesNotContain(marker).doesNotContain("DOCTYPE");
        }
    }

    /** Nine levels of ten references each: 10^9 "lol"s if expanded. */
    private static String billionLaughs() {
        StringBuilder entities = new StringBuilder("<!ENTITY lol0 \"lol\">");
        for (int level = 1; level <= 9; level++) {
            entities.append("<!ENTITY lol").append(level).append(" \"").append(("&lol" + (level - 1) + ";").repeat(10)).append("\">");
        }
        return entities.toString();
    }

    private static String pidfWithDoctype(String internalSubset, String noteContent, String timestamp) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><!DOCTYPE presence [" + internalSubset + "]>"
                + "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"" + Case.HOSTILE.target() + "\"><tuple id=\"t1\"><status><basic>open</basic>"
                + "</status><note>" + noteContent + "</note><timestamp>" + timestamp + "</timestamp></tuple></presence>";
    }

    private static final Pattern IGNORED_REFRESH_LINE = Pattern.compile(
            "(SUBSCRIBE|REFRESH) call=(\\d+) sec=([0-9.]+) usec=([0-9.]+) .*call-id=(\\S+) granted=(\\d+)");

    /** A SUBSCRIBE or an in-dialog refresh as the presence server that ignores refreshes saw it. */
    record Heard(String kind, double at, String callId, int granted) {
    }

    /**
     * Issue 17: a presence server grants 60, 30 or 20 s, answers the SUBSCRIBE and sends its NOTIFY, then
     * never answers the in-dialog refresh. The subscription is gone at the server when the granted time
     * ends, so the view must leave SUBSCRIBED then (not when the stack's 32 s transaction timeout says so,
     * which is after the expiry for 30 and 20 s, and was never said at all for 60 s) and subscribe anew in
     * a new dialog after its retry delay (1 s here). One SIPp and one view watch the three targets at once.
     */
    @Test
    void a_refresh_not_answered_before_the_subscription_expires_ends_in_waiting_for_retry_and_a_new_dialog(
            @ArquillianResource DeployedSwitchboard server) throws Exception {
        Case c = Case.IGNORED_REFRESH;
        Sipp sipp = peers.get(c);
        List<Integer> granted = List.of(60, 30, 20);
        for (int i = 0; i < 1000 && !everyTargetSubscribedAnew(sipp, granted); i++) { // at most 100 s
            Thread.sleep(100);
        }
        String log = server.log();
        for (int seconds : granted) {
            List<Heard> seen = seenFor(sipp, seconds);
            assertThat(seen).as("e%d: SUBSCRIBE, refresh, SUBSCRIBE in a new dialog\n%s", seconds, sipp.describe()).hasSizeGreaterThanOrEqualTo(3);
            Heard first = seen.get(0);
            Heard refresh = seen.get(1);
            Heard again = seen.get(2);
            assertThat(first.kind()).isEqualTo("SUBSCRIBE");
            assertThat(refresh.kind()).as("e%d", seconds).isEqualTo("REFRESH");
            assertThat(refresh.callId()).isEqualTo(first.callId());
            assertThat(again.kind()).as("e%d", seconds).isEqualTo("SUBSCRIBE");
            assertThat(again.callId()).as("e%d: a new dialog", seconds).isNotEqualTo(first.callId());
            double gap = again.at() - first.at();
            System.out.printf("granted %d s: refresh after %.3f s, new SUBSCRIBE %.3f s after the first%n", seconds,
                    refresh.at() - first.at(), gap);
            // Expired at the granted time after the 200 (a little after the SUBSCRIBE), then the 1 s retry delay.
            String target = "sip:e" + seconds + "@127.0.0.1:" + c.port;
            assertThat(gap).as("e%d: seconds from the first SUBSCRIBE to the one in a new dialog\n%s", seconds, logOf(server, target))
                    .isBetween((double) seconds, seconds + 4.0);
            assertThat(log).as("e%d", seconds).contains(target + ": SUBSCRIBED -> WAITING_FOR_RETRY (refresh failed: 408");
        }
    }

    private static boolean everyTargetSubscribedAnew(Sipp sipp, List<Integer> granted) throws IOException {
        for (int seconds : granted) {
            if (seenFor(sipp, seconds).size() < 3) {
                return false;
            }
        }
        return true;
    }

    private static List<Heard> seenFor(Sipp sipp, int granted) throws IOException {
        List<Heard> seen = new ArrayList<>();
        for (String line : sipp.logLines()) {
            Matcher m = IGNORED_REFRESH_LINE.matcher(line);
            if (m.find() && Integer.parseInt(m.group(6)) == granted) {
                seen.add(new Heard(m.group(1), Double.parseDouble(m.group(3)) + Double.parseDouble(m.group(4)) / 1_000_000, m.group(5),
                        granted));
            }
        }
        return seen;
    }

    private Sipp sipp(Case c, List<String> extra) throws IOException {
        String name = c.name().toLowerCase();
        Path log = work.resolve(name + ".log");
        Path out = work.resolve(name + ".out");
        List<String> command = new ArrayList<>(List.of(SIPP, "-sf", Build.basedir().resolve("src/test/resources/sipp/" + c.scenario).toString(),
                "-i", "127.0.0.1", "-p", String.valueOf(c.port), "-t", "u1", "-m", String.valueOf(c.calls), "-timeout", "600s",
                "-timeout_error", "-nostdin", "-trace_err", "-trace_logs", "-log_file", log.toString()));
        command.addAll(extra);
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        return new Sipp(process, log, out);
    }

    /** The server's log lines that name this target. */
    private static String logOf(DeployedSwitchboard server, String target) {
        return server.log().lines().filter(line -> line.contains(target)).collect(Collectors.joining("\n"));
    }

    private static Instant at(String time) {
        return Instant.parse(time);
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            count++;
        }
        return count;
    }

    private static void awaitLog(DeployedSwitchboard server, String target, Predicate<String> condition) throws Exception {
        for (int i = 0; i < 300; i++) { // at most 30 s
            if (condition.test(logOf(server, target))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server log never met the condition:\n" + logOf(server, target));
    }

    /** Polls the case's target until the condition holds (at most 30 s). */
    private static Seen awaitSeen(DeployedSwitchboard server, Case c, Predicate<Seen> condition) throws Exception {
        Seen last = null;
        for (int i = 0; i < 300; i++) { // at most 30 s
            last = seen(server, c);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the target never met the condition; last: " + last + "\nlog:\n" + logOf(server, c.target()));
    }

    private static Seen seen(DeployedSwitchboard server, Case c) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(server.httpBaseUrl().resolve("api/presence-views"))
                .header("Authorization", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String state = "NONE";
        int refused = 0;
        for (JsonNode view : JSON.readTree(response.body())) {
            if (!view.path("owner").asText().contains(c.monitor().substring("sip:".length(), c.monitor().indexOf('@')))) {
                continue;
            }
            refused = view.path("refusedBodies").asInt();
            for (JsonNode target : view.path("targets")) {
                if (target.path("target").asText().equals(c.target())) {
                    state = target.path("state").asText();
                }
            }
        }
        List<Instant> accepted = new ArrayList<>();
        Path file = acceptedFile();
        for (String line : Files.exists(file) ? Files.readAllLines(file) : List.<String>of()) {
            String[] fields = line.split(" ");
            if (fields.length >= 3 && fields[0].equals(c.target())) {
                long micros = Long.parseLong(fields[2]);
                accepted.add(Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000));
            }
        }
        return new Seen(state, accepted, refused);
    }
}
