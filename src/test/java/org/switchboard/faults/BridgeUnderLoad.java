package org.switchboard.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jivesoftware.smack.packet.Presence;
import org.switchboard.testing.AdminLogin;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.SipPresencePeer.ReceivedNotify;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * What the fault checks share: the real runner with the bridge, a real Prosody with {@code n} logged-in XMPP users
 * ({@code xuser0}…), the JAIN-SIP presence peer (the SIP users' presence server behind the Front End next hop, and
 * the SIP watchers), Debian's PostgreSQL as {@code storage.database.url}, and the admin credentials so the live
 * subscriptions can be read from {@code /api/subscriptions}. Everything on 127.0.0.1, stopped by its own pid.
 *
 * <p>Subscriptions are made and ended through the real peers ({@link #follow}, {@link #watch}, {@link #unfollow},
 * {@link #cancel}); the three views of them — the ledger a test keeps, the database rows and what the server holds
 * live — are compared by {@link #compare}.
 */
final class BridgeUnderLoad implements AutoCloseable {

    static final String SIP_DOMAIN = "example.com";
    static final String XMPP_USERS_SIP_DOMAIN = "xmpp.example.com";
    static final String PASSWORD = "pw";
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String OUTGOING = "OUTGOING_SIP";
    static final String INCOMING = "INCOMING_SIP";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One bridged subscription as the three views name it: direction, SIP AOR, bare JID. */
    record Sub(String direction, String sipAor, String xmppJid) implements Comparable<Sub> {

        @Override
        public int compareTo(Sub other) {
            return toString().compareTo(other.toString());
        }

        @Override
        public String toString() {
            return direction + " " + sipAor + " " + xmppJid;
        }
    }

    /** A database row: its subscription, state and when it was last recovered. */
    record Row(Sub sub, String state, Instant lastRecoveredAt) {
    }

    /** Knobs of a run. */
    record Settings(int xmppUsers, int breakerOpenSeconds, int recoveryBatchSize) {
    }

    private final Path work;
    private final String label;
    private final TestProsody prosody;
    private final DebianPostgres postgres;
    private final SipPresencePeer sip;
    private final List<XmppUser> users;
    private final String config;
    private RunningSwitchboard server;
    /** The SIP peer's dialog (Call-ID) of each outgoing subscription, as the presence server. */
    private final Map<Sub, String> outgoingDialogs = new ConcurrentHashMap<>();
    /** The SIP peer's watch of each incoming subscription. */
    private final Map<Sub, Watch> watches = new ConcurrentHashMap<>();

    private BridgeUnderLoad(Path work, String label, TestProsody prosody, DebianPostgres postgres, SipPresencePeer sip,
            List<XmppUser> users, Settings settings) {
        this.work = work;
        this.label = label;
        this.prosody = prosody;
        this.postgres = postgres;
        this.sip = sip;
        this.users = users;
        this.config = config(prosody, sip, postgres, settings);
    }

    static void assumeInstalled() {
        TestProsody.assumeInstalled();
        DebianPostgres.assumeInstalled();
        org.switchboard.testing.Peers.require(SipLoad.installed(), "SIPp is not installed (apt-get install -y sip-tester)");
    }

    /** Starts the peers, logs the XMPP users in, and starts the runner; everything started is stopped again on failure. */
    static BridgeUnderLoad start(Path work, String label, Settings settings) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            TestProsody prosody = TestProsody.start(work.resolve("prosody"));
            started.add(prosody);
            DebianPostgres postgres = DebianPostgres.start();
            started.add(postgres);
            SipPresencePeer sip = SipPresencePeer.udp();
            started.add(sip);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < settings.xmppUsers(); i++) {
                names.add("xuser" + i);
            }
            prosody.registerAll(names, PASSWORD);
            List<XmppUser> users = new ArrayList<>();
            for (String name : names) {
                XmppUser user = XmppUser.login(prosody, name, PASSWORD);
                started.add(user);
                users.add(user);
            }
            BridgeUnderLoad bridge = new BridgeUnderLoad(work, label, prosody, postgres, sip, users, settings);
            bridge.startServer();
            return bridge;
        } catch (Exception | Error e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
    }

    private static String config(TestProsody prosody, SipPresencePeer sip, DebianPostgres postgres, Settings settings) {
        return """
                storage:
                  database:
                    url: "%s"
                    username: %s
                    password: ""
                    # An outage shows in about a second per attempt rather than five (3 attempts, then the breaker).
                    connect-timeout-seconds: 1
                topology:
                  front-end-pool: fe
                  front-end-pools:
                    - name: fe
                      next-hop: "%s"
                      users: []
                persistence:
                  enabled: true
                  recovery-batch-size: %d
                  recovery-batch-interval-seconds: 1
                  breaker-open-seconds: %d
                bridge:
                  enabled: true
                  xmpp-host: 127.0.0.1
                  xmpp-port: %d
                  component-domain: %s
                  component-secret: "%s"
                  xmpp-domain: %s
                  sip-domain: %s
                  xmpp-users-sip-domain: %s
                  cooldown-seconds: 300
                  reconnect-initial-seconds: 1
                  reconnect-max-seconds: 2
                  incoming-expires-seconds: 3600
                """.formatted(postgres.url(), postgres.user(), sip.nextHop(), settings.recoveryBatchSize(), settings.breakerOpenSeconds(),
                prosody.componentPort(), prosody.componentDomain(), prosody.componentSecret(), prosody.xmppDomain(), SIP_DOMAIN,
                XMPP_USERS_SIP_DOMAIN) + AdminLogin.configSection();
    }

    /** Starts the runner on the run's data directory (the same one after a kill) and waits for the bridge to connect. */
    RunningSwitchboard startServer() throws Exception {
        server = RunningSwitchboard.in(work.resolve("sb")).configText(config).start();
        awaitHealth(h -> "CONNECTED".equals(bridgeState(h)), Duration.ofSeconds(30), "bridge.state CONNECTED");
        return server;
    }

    RunningSwitchboard server() {
        return server;
    }

    TestProsody prosody() {
        return prosody;
    }

    DebianPostgres postgres() {
        return postgres;
    }

    SipPresencePeer sip() {
        return sip;
    }

    List<XmppUser> users() {
        return users;
    }

    XmppUser user(int i) {
        return users.get(i % users.size());
    }

    Path work() {
        return work;
    }

    // ----- addresses -----

    static String sipUser(String name) {
        return "sip:" + name + "@" + SIP_DOMAIN;
    }

    String sipUserAsJid(String name) {
        return name + "@" + prosody.componentDomain();
    }

    static String xmppUserAsSip(XmppUser user) {
        return "sip:" + user.jid().substring(0, user.jid().indexOf('@')) + "@" + XMPP_USERS_SIP_DOMAIN;
    }

    static Sub outgoing(String sipName, XmppUser follower) {
        return new Sub(OUTGOING, sipUser(sipName), follower.jid());
    }

    static Sub incoming(String sipName, XmppUser watched) {
        return new Sub(INCOMING, sipUser(sipName), watched.jid());
    }

    private static String name(Sub sub) {
        return sub.sipAor().substring("sip:".length(), sub.sipAor().indexOf('@'));
    }

    private XmppUser userOf(Sub sub) {
        return users.stream().filter(u -> u.jid().equals(sub.xmppJid())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no XMPP user " + sub.xmppJid()));
    }

    // ----- making and ending subscriptions through the peers -----

    /**
     * XMPP users follow SIP users ({@code sipName → follower}): every subscribe is sent first, then each one awaited
     * on the wire (a new SUBSCRIBE at the SIP peer) and at the follower ({@code subscribed}).
     */
    List<Sub> follow(Map<String, XmppUser> follows) throws Exception {
        List<Sub> made = new ArrayList<>();
        for (Map.Entry<String, XmppUser> follow : follows.entrySet()) {
            follow.getValue().subscribe(sipUserAsJid(follow.getKey()));
        }
        for (Map.Entry<String, XmppUser> follow : follows.entrySet()) {
            String from = xmppUserAsSip(follow.getValue());
            String to = sipUser(follow.getKey());
            SipPresencePeer.ReceivedSubscribe subscribe = sip.awaitSubscribe(s -> !s.inDialog() && s.expires() > 0
                    && s.fromUri().equals(from) && s.toUri().equals(to), WAIT);
            Sub sub = outgoing(follow.getKey(), follow.getValue());
            outgoingDialogs.put(sub, subscribe.callId());
            made.add(sub);
        }
        for (Map.Entry<String, XmppUser> follow : follows.entrySet()) {
            follow.getValue().awaitType(sipUserAsJid(follow.getKey()), Presence.Type.subscribed, WAIT);
        }
        return made;
    }

    /**
     * SIP users watch XMPP users ({@code sipName → watched}): each SUBSCRIBE must get 200; then each XMPP user gets the
     * request and approves it, and each watcher's NOTIFY {@code active} is awaited.
     */
    List<Sub> watch(Map<String, XmppUser> watchers) throws Exception {
        List<Sub> made = new ArrayList<>();
        Map<Sub, Watch> opened = new LinkedHashMap<>();
        for (Map.Entry<String, XmppUser> watcher : watchers.entrySet()) {
            Watch watch = sip.subscribe(sipUser(watcher.getKey()), xmppUserAsSip(watcher.getValue()), server.sipPort(), 3600);
            if (watch.status() != 200) {
                throw new AssertionError("SUBSCRIBE " + watcher.getKey() + " -> " + watcher.getValue().jid() + " answered " + watch.status());
            }
            Sub sub = incoming(watcher.getKey(), watcher.getValue());
            opened.put(sub, watch);
        }
        for (Map.Entry<String, XmppUser> watcher : watchers.entrySet()) {
            String jid = sipUserAsJid(watcher.getKey());
            watcher.getValue().awaitSubscriptionRequest(jid, WAIT);
            watcher.getValue().approve(jid);
        }
        for (Map.Entry<Sub, Watch> open : opened.entrySet()) {
            sip.awaitNotify(open.getValue(), n -> "active".equals(n.state()), WAIT);
            watches.put(open.getKey(), open.getValue());
            made.add(open.getKey());
        }
        return made;
    }

    /** The XMPP user stops following: {@code unsubscribe}, awaited as the SUBSCRIBE with {@code Expires: 0} in the dialog. */
    void unfollow(Sub sub) throws Exception {
        String callId = outgoingDialogs.remove(sub);
        userOf(sub).unsubscribe(sipUserAsJid(name(sub)));
        sip.awaitSubscribe(s -> s.callId().equals(callId) && s.expires() == 0, WAIT);
    }

    /** The XMPP user cancels a SIP user's subscription: {@code unsubscribed}, awaited as the NOTIFY {@code terminated}. */
    void cancel(Sub sub) throws Exception {
        Watch watch = watches.remove(sub);
        userOf(sub).refuse(sipUserAsJid(name(sub)));
        sip.awaitNotify(watch, n -> "terminated".equals(n.state()), WAIT);
    }

    /** The SIP peer's dialog of an outgoing subscription made through {@link #follow}. */
    String dialogOf(Sub outgoing) {
        return outgoingDialogs.get(outgoing);
    }

    /** The SIP peer's watch of an incoming subscription made through {@link #watch}. */
    Watch watchOf(Sub incoming) {
        return watches.get(incoming);
    }

    /** A NOTIFY in the outgoing subscription's dialog with {@code note}; the follower must see it as its status. */
    void assertSipPresenceReaches(Sub outgoing, String note) throws Exception {
        int status = sip.notify(outgoingDialogs.get(outgoing), "active;expires=3600",
                SipPresencePeer.pidf(outgoing.sipAor(), "open", "away", note, Instant.now()));
        if (status != 200) {
            throw new AssertionError("NOTIFY for " + outgoing + " answered " + status);
        }
        userOf(outgoing).awaitPresence(sipUserAsJid(name(outgoing)), p -> note.equals(p.getStatus()), WAIT);
    }

    /** Whether a NOTIFY's body carries {@code note}. */
    static Predicate<ReceivedNotify> notes(String note) {
        return n -> n.body() != null && n.body().contains(">" + note + "<");
    }

    // ----- presence traffic -----

    /**
     * Presence both ways in the background until closed: a NOTIFY every 50 ms in one outgoing dialog after another, and
     * every fifth step an XMPP user's new status. Failures (the runner gone, a dialog ended) are counted, not thrown.
     */
    AutoCloseable presenceTraffic() {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread thread = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            int n = 0;
            while (running.get() && System.nanoTime() < deadline) {
                try {
                    List<Map.Entry<Sub, String>> dialogs = new ArrayList<>(outgoingDialogs.entrySet());
                    if (!dialogs.isEmpty()) {
                        Map.Entry<Sub, String> dialog = dialogs.get(n % dialogs.size());
                        sip.notifyNoWait(dialog.getValue(), "active;expires=3600",
                                SipPresencePeer.pidf(dialog.getKey().sipAor(), "open", n % 2 == 0 ? "away" : "busy", "traffic " + n, Instant.now()));
                    }
                    if (n % 5 == 0) {
                        user(n / 5).available(n % 10 == 0 ? Presence.Mode.away : Presence.Mode.dnd, "traffic " + n);
                    }
                } catch (Exception e) {
                    // the runner is gone or a dialog ended meanwhile; traffic goes on
                }
                n++;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fault-presence-traffic");
        thread.setDaemon(true);
        thread.start();
        return () -> {
            running.set(false);
            thread.join(5000);
        };
    }

    /** The newest publish time stored for {@code presentity} in {@code presence_state} (any category); fails when none. */
    Instant presenceStoredAt(String presentity) throws Exception {
        try (Connection connection = postgres.connect();
             java.sql.PreparedStatement query = connection.prepareStatement("SELECT max(publish_time) FROM presence_state WHERE presentity = ?")) {
            query.setString(1, presentity);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                long micros = result.getLong(1);
                if (result.wasNull()) {
                    throw new AssertionError("no presence_state row for " + presentity);
                }
                return Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS);
            }
        }
    }

    // ----- the three views -----

    /** The rows of {@code subscription_record} now. */
    List<Row> rows() throws Exception {
        List<Row> rows = new ArrayList<>();
        try (Connection connection = postgres.connect(); Statement statement = connection.createStatement()) {
            try (ResultSet tables = connection.getMetaData().getTables(null, null, "subscription_record", null)) {
                if (!tables.next()) {
                    return rows;
                }
            }
            try (ResultSet result = statement.executeQuery("SELECT direction, sip_aor, xmpp_jid, state, last_recovered_at FROM subscription_record")) {
                while (result.next()) {
                    Timestamp recovered = result.getTimestamp(5);
                    rows.add(new Row(new Sub(result.getString(1), result.getString(2), result.getString(3)), result.getString(4),
                            recovered == null ? null : recovered.toInstant()));
                }
            }
        }
        return rows;
    }

    static Set<Sub> subs(List<Row> rows) {
        Set<Sub> subs = new TreeSet<>();
        rows.forEach(r -> subs.add(r.sub()));
        return subs;
    }

    /** What the server holds in memory: {@code GET /api/subscriptions} (every bridged subscription), with the operator's credentials. */
    Map<Sub, String> live() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(server.http("/api/subscriptions")).timeout(Duration.ofSeconds(10))
                .header("Authorization", AdminLogin.basic(AdminLogin.USER, AdminLogin.PASSWORD)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("/api/subscriptions answered " + response.statusCode() + ": " + response.body());
        }
        Map<Sub, String> live = new LinkedHashMap<>();
        for (JsonNode s : JSON.readTree(response.body())) {
            live.put(new Sub(s.path("direction").asText(), s.path("sipAor").asText(), s.path("xmppJid").asText()), s.path("state").asText());
        }
        return live;
    }

    JsonNode health() throws IOException, InterruptedException {
        return Health.detail(server);
    }

    static String bridgeState(JsonNode health) {
        return health.path("bridge").path("state").asText("");
    }

    JsonNode awaitHealth(Predicate<JsonNode> condition, Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = health();
                if (condition.test(last)) {
                    return last;
                }
            } catch (IOException e) {
                // not answering yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("health never showed " + what + " within " + timeout + "; last: " + last);
    }

    /** Waits (bounded) until the rows and the live subscriptions both equal {@code ledger}; {@link #compare} then says how they differ, if they do. */
    void awaitAgreement(Set<Sub> ledger, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (subs(rows()).equals(ledger) && new TreeSet<>(live().keySet()).equals(ledger)) {
                return;
            }
            Thread.sleep(250);
        }
    }

    /**
     * Compares the ledger with the rows and the live subscriptions, prints one line (and every difference), and
     * returns the differences: empty when the three agree and every row and live subscription is ACTIVE.
     * Lost: in the ledger, not in the rows. Resurrected: a removal (in {@code removed}) that is in the rows or live.
     * Unexpected: rows neither in the ledger nor removed.
     */
    List<String> compare(String label, Set<Sub> ledger, Set<Sub> removed) throws Exception {
        List<Row> rowList = rows();
        Set<Sub> rows = subs(rowList);
        Map<Sub, String> liveMap = live();
        Set<Sub> live = new TreeSet<>(liveMap.keySet());
        Set<Sub> lost = minus(ledger, rows);
        Set<Sub> lostLive = minus(ledger, live);
        Set<Sub> resurrected = intersection(removed, rows);
        Set<Sub> resurrectedLive = intersection(removed, live);
        Set<Sub> unexpected = minus(minus(rows, ledger), removed);
        Set<Sub> rowsNotLive = minus(rows, live);
        Set<Sub> liveNotRows = minus(live, rows);
        List<String> notActive = new ArrayList<>();
        rowList.stream().filter(r -> !"ACTIVE".equals(r.state())).forEach(r -> notActive.add("row " + r.sub() + " " + r.state()));
        liveMap.forEach((sub, state) -> {
            if (!"ACTIVE".equals(state)) {
                notActive.add("live " + sub + " " + state);
            }
        });
        System.out.printf("%s: rows %d, ledger %d, live %d; lost %d (live %d), resurrected %d (live %d), unexpected %d, rows-not-live %d,"
                        + " live-not-rows %d, not active %d (removed during the run: %d)%n", label, rows.size(), ledger.size(), live.size(),
                lost.size(), lostLive.size(), resurrected.size(), resurrectedLive.size(), unexpected.size(), rowsNotLive.size(),
                liveNotRows.size(), notActive.size(), removed.size());
        List<String> problems = new ArrayList<>();
        lost.forEach(s -> problems.add("lost (no row): " + s));
        lostLive.forEach(s -> problems.add("lost (not live): " + s));
        resurrected.forEach(s -> problems.add("resurrected (row): " + s));
        resurrectedLive.forEach(s -> problems.add("resurrected (live): " + s));
        unexpected.forEach(s -> problems.add("unexpected row: " + s));
        rowsNotLive.forEach(s -> problems.add("row not live: " + s));
        liveNotRows.forEach(s -> problems.add("live without row: " + s));
        problems.addAll(notActive);
        problems.forEach(p -> System.out.println("  " + label + ": " + p));
        return problems;
    }

    static Set<Sub> minus(Set<Sub> a, Set<Sub> b) {
        Set<Sub> result = new TreeSet<>(a);
        result.removeAll(b);
        return result;
    }

    static Set<Sub> intersection(Set<Sub> a, Set<Sub> b) {
        Set<Sub> result = new TreeSet<>(a);
        result.retainAll(b);
        return result;
    }

    /** {@code prefix0 → user(0)}, {@code prefix1 → user(1)}, … for {@code from ≤ i < to}, in order. */
    Map<String, XmppUser> spread(String prefix, int from, int to) {
        Map<String, XmppUser> map = new LinkedHashMap<>();
        for (int i = from; i < to; i++) {
            map.put(prefix + i, user(i));
        }
        return map;
    }

    /**
     * Keeps the runners' and peers' logs of this run under {@code target/fault-logs/<label>/} (the work directory is
     * temporary), for reading after a failure.
     */
    private void keepLogs() {
        try {
            Path dir = org.switchboard.testing.Build.basedir().resolve("target/fault-logs").resolve(label);
            java.nio.file.Files.createDirectories(dir);
            try (var files = java.nio.file.Files.walk(work.resolve("sb"), 1)) {
                for (Path file : (Iterable<Path>) files.filter(f -> f.getFileName().toString().startsWith("runner-"))::iterator) {
                    java.nio.file.Files.copy(file, dir.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            java.nio.file.Files.writeString(dir.resolve("postgres.log"), postgres.log());
            java.nio.file.Files.writeString(dir.resolve("prosody.log"), prosody.output());
        } catch (IOException | RuntimeException e) {
            System.out.println("could not keep the logs: " + e);
        }
    }

    @Override
    public void close() throws Exception {
        Exception failure = null;
        List<AutoCloseable> all = new ArrayList<>();
        if (server != null) {
            all.add(server);
        }
        all.add(this::keepLogs);
        all.addAll(users);
        all.add(sip);
        all.add(postgres);
        all.add(prosody);
        for (AutoCloseable closeable : all) {
            try {
                closeable.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
