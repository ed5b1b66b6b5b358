package org.switchboard.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.switchboard.bridge.BridgeTesting.awaitBridgeState;
import static org.switchboard.bridge.BridgeTesting.awaitHealth;
import static org.switchboard.bridge.BridgeTesting.awaitRows;
import static org.switchboard.bridge.BridgeTesting.bridgeState;
import static org.switchboard.bridge.BridgeTesting.carries;
import static org.switchboard.bridge.BridgeTesting.sipUser;
import static org.switchboard.bridge.BridgeTesting.sipUserAsJid;
import static org.switchboard.bridge.BridgeTesting.xmppUser;
import static org.switchboard.bridge.BridgeTesting.xmppUserAsSip;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Message;
import javax.sip.message.Response;
import org.jivesoftware.smack.packet.Presence;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.bridge.BridgeTesting.Row;
import org.switchboard.store.Database;
import org.switchboard.testing.RunningSwitchboard;
import org.switchboard.testing.SipPresencePeer;
import org.switchboard.testing.SipPresencePeer.ReceivedNotify;
import org.switchboard.testing.SipPresencePeer.ReceivedSubscribe;
import org.switchboard.testing.SipPresencePeer.Watch;
import org.switchboard.testing.TestPostgres;
import org.switchboard.testing.TestProsody;
import org.switchboard.testing.XmppUser;

/**
 * The XMPP bridge in a pool (PRODUCT.md §X with §F and §E): two real instances with the same bridge and pool
 * configuration on one real PostgreSQL, a real Prosody and a real SIP presence peer (JAIN-SIP). Exactly one member
 * holds the {@code BRIDGE} lease and runs the bridge (its component is connected, it sends the bridge's SUBSCRIBEs);
 * the other stands by and proxies a SIP watcher's SUBSCRIBE to an XMPP user to it (the dialog, and so its NOTIFYs,
 * are the owner's). When the owner is killed with SIGKILL its lease lapses, the survivor claims it, connects the
 * component and recovers the bridged subscriptions from the database as a restart does: the outgoing one in a new
 * dialog, the incoming one kept until its SIP watcher subscribes again. A trigger keeps every change of the lease, and
 * a sampler reads both members' bridge state throughout, so that the test sees that the bridge never had two live
 * owners. Each checked fact is one line on stdout.
 */
class BridgePoolIT {

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** A start takes ~20 s on an idle machine; the lease is claimed at the first renewal after it. */
    private static final Duration SETTLE = Duration.ofSeconds(60);
    /** Two renewals and more: long enough for a lease that flaps between the members to show. */
    private static final Duration STEADY = Duration.ofSeconds(5);
    /** Lease 6 s + skew 0.5 s + one renewal (2 s) after the owner's last renewal, with room for a loaded machine. */
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(20);
    private static final Duration SKEW = Duration.ofMillis(500);
    private static final String POOL = "pool: {enabled: true, lease-seconds: 6, renew-seconds: 2, clock-skew-millis: 500}\n";
    private static final String PASSWORD = "pw";
    /** The bridge's states in which it runs on a member (anything but standing by). */
    private static final Set<String> RUNNING = Set.of("CONNECTED", "CONNECTING", "DISCONNECTED", "AUTHENTICATION_FAILED");

    @TempDir
    Path work;

    @BeforeEach
    void prosodyIsInstalled() {
        TestProsody.assumeInstalled();
    }

    @Test
    void one_member_runs_the_bridge_the_other_proxies_subscribes_to_it_and_a_survivor_takes_the_bridge_over_after_a_kill_9()
            throws Exception {
        try (TestProsody prosody = TestProsody.start(work.resolve("prosody"));
             TestPostgres postgres = TestPostgres.start();
             SipPresencePeer sip = SipPresencePeer.udp()) {
            prosody.registerAll(List.of("alice", "dave"), PASSWORD);
            keepLeaseHistory(postgres);
            String config = POOL + BridgeTesting.config(prosody, sip, postgres, BridgeTesting.Settings.of(prosody));
            String bridgeKey = prosody.componentDomain();
            String bob = sipUserAsJid(prosody, "bob");
            String carol = sipUserAsJid(prosody, "carol");
            try (XmppUser alice = XmppUser.login(prosody, "alice", PASSWORD);
                 XmppUser dave = XmppUser.login(prosody, "dave", PASSWORD);
                 RunningSwitchboard a = RunningSwitchboard.in(work.resolve("a")).configText(config).start();
                 RunningSwitchboard b = RunningSwitchboard.in(work.resolve("b")).configText(config).start();
                 StateSampler sampler = StateSampler.start(a, b)) {
                try {
                    String idA = instanceId(a);
                    String idB = instanceId(b);
                    assertThat(idA).as("the two members' instance ids").isNotEqualTo(idB);

                    // ---- 1. one owner, one standby, and it stays so ----
                    String ownerId = awaitBridgeOwner(postgres, bridgeKey, id -> id.equals(idA) || id.equals(idB), SETTLE);
                    RunningSwitchboard owner = ownerId.equals(idA) ? a : b;
                    RunningSwitchboard standby = owner == a ? b : a;
                    String standbyId = owner == a ? idB : idA;
                    String ownerName = owner == a ? "A" : "B";
                    String standbyName = owner == a ? "B" : "A";
                    fact("one BRIDGE lease row (key " + bridgeKey + "), owned by member " + ownerName + " (SIP port " + owner.sipPort()
                            + "); member " + standbyName + " (SIP port " + standby.sipPort() + ") stands by");
                    awaitBridgeState(owner, "CONNECTED", WAIT);
                    awaitBridgeState(standby, "STANDBY", WAIT);
                    int samples = assertSteady(postgres, bridgeKey, ownerId, owner, standby, STEADY);
                    fact("for " + STEADY.toSeconds() + " s (" + samples + " samples): the lease stays with " + ownerName + ", whose bridge is "
                            + "CONNECTED, and " + standbyName + "'s bridge is STANDBY");
                    JsonNode ownerPool = BridgeTesting.health(owner).path("pool");
                    JsonNode standbyPool = BridgeTesting.health(standby).path("pool");
                    assertThat(ownerPool.path("leases").path("BRIDGE").asInt(0)).as("the owner's pool health: %s", ownerPool).isEqualTo(1);
                    assertThat(standbyPool.path("leases").path("BRIDGE").asInt(0)).as("the standby's pool health: %s", standbyPool).isZero();
                    fact("the pool health agrees: BRIDGE lease held by " + ownerName + " (" + ownerPool.path("leases") + "), none by "
                            + standbyName + " (" + standbyPool.path("leases") + ")");

                    // ---- 2. an XMPP user follows a SIP user: the owner subscribes ----
                    alice.subscribe(bob);
                    ReceivedSubscribe firstSubscribe = sip.awaitSubscribe(s -> !s.inDialog() && s.expires() > 0
                            && s.toUri().equals(sipUser("bob")) && s.fromUri().equals(xmppUserAsSip("alice")), WAIT);
                    assertThat(viaPort(firstSubscribe.request())).as("the Via port of the SUBSCRIBE for bob").isEqualTo(owner.sipPort());
                    fact("alice follows bob: the SUBSCRIBE for bob (Call-ID " + firstSubscribe.callId() + ") comes from the owner's port "
                            + owner.sipPort());
                    alice.awaitType(bob, Presence.Type.subscribed, WAIT);
                    alice.awaitAvailable(bob, WAIT);
                    assertThat(sip.notify(firstSubscribe.callId(), "active;expires=3600",
                            SipPresencePeer.pidf(sipUser("bob"), "open", "busy", "in a meeting", Instant.now()))).isEqualTo(200);
                    Presence meeting = alice.awaitPresence(bob, p -> "in a meeting".equals(p.getStatus()), WAIT);
                    assertThat(meeting.getMode()).isEqualTo(Presence.Mode.dnd);
                    fact("bob's NOTIFY (busy, \"in a meeting\") reaches alice as XMPP presence " + XmppUser.showAndStatus(meeting));

                    // ---- 3. a SIP watcher's SUBSCRIBE to an XMPP user, sent to the standby, is proxied to the owner ----
                    Watch first = sip.subscribe(sipUser("carol"), xmppUserAsSip("dave"), standby.sipPort(), 3600);
                    assertThat(first.status()).as("carol's SUBSCRIBE to dave sent to the standby\n%s", standby.stderr()).isEqualTo(200);
                    Response ok = first.response();
                    assertThat(ok.getHeaders(RecordRouteHeader.NAME).hasNext()).as("a Record-Route in the 200:\n%s", ok).isFalse();
                    String okContact = contact(ok);
                    assertThat(okContact).as("the 200's Contact").contains("xmpp-bridge@" + BridgeTesting.XMPP_USERS_SIP_DOMAIN);
                    String dialogTag = ((ToHeader) ok.getHeader(ToHeader.NAME)).getTag();
                    ReceivedNotify pending = sip.awaitNotify(first, n -> true, WAIT);
                    assertThat(pending.state()).as("the first NOTIFY").isEqualTo("pending");
                    assertFromOwner(pending, owner, dialogTag);
                    fact("carol's SUBSCRIBE to dave sent to the standby (" + standby.sipPort() + "): 200 without Record-Route, Contact "
                            + okContact + "; the first NOTIFY (pending) comes from the owner (" + owner.sipPort() + ") in the 200's dialog");
                    dave.awaitSubscriptionRequest(carol, WAIT);
                    dave.approve(carol);
                    assertFromOwner(sip.awaitNotify(first, n -> "active".equals(n.state()), WAIT), owner, dialogTag);
                    dave.available(Presence.Mode.dnd, "meeting");
                    assertFromOwner(sip.awaitNotify(first, carries("open", "busy", "meeting"), WAIT), owner, dialogTag);
                    fact("dave approves carol (NOTIFY active) and goes dnd \"meeting\": both NOTIFYs reach carol from the owner");
                    // Her refresh goes where her first SUBSCRIBE went (the dispatcher hashes on the Call-ID): the standby,
                    // which does not know the dialog and proxies it to the owner, which does.
                    java.time.Instant refreshSent = java.time.Instant.now();
                    int refreshed = sip.resubscribe(first, 3600);
                    assertThat(refreshed).as("carol's refresh sent through the standby\n%s", standby.stderr()).isEqualTo(200);
                    assertThat(((ToHeader) first.response().getHeader(ToHeader.NAME)).getTag()).as("the same dialog").isEqualTo(dialogTag);
                    assertFromOwner(sip.awaitNotify(first, n -> "active".equals(n.state()) && !n.at().isBefore(refreshSent), WAIT), owner, dialogTag);
                    fact("carol's refresh in her dialog, sent through the standby: 200 in the same dialog, the NOTIFY from the owner");
                    JsonNode ownerBridge = BridgeTesting.health(owner).path("bridge");
                    JsonNode standbyBridge = BridgeTesting.health(standby).path("bridge");
                    assertThat(ownerBridge.path("outgoing").asInt()).as("the owner's bridge: %s", ownerBridge).isEqualTo(1);
                    assertThat(ownerBridge.path("incoming").asInt()).as("the owner's bridge: %s", ownerBridge).isEqualTo(1);
                    assertThat(standbyBridge.path("outgoing").asInt()).as("the standby's bridge: %s", standbyBridge).isZero();
                    assertThat(standbyBridge.path("incoming").asInt()).as("the standby's bridge: %s", standbyBridge).isZero();
                    fact("the owner's bridge holds 1 outgoing and 1 incoming subscription, the standby's none");

                    // What the survivor will have to give carol after the takeover: dave's presence at the kill.
                    dave.available(Presence.Mode.away, "before the kill");
                    assertFromOwner(sip.awaitNotify(first, carries("open", "away", "before the kill"), WAIT), owner, dialogTag);
                    awaitRows(postgres, rows -> rows.size() == 2 && rows.stream().allMatch(r -> r.state().equals("ACTIVE"))
                            && rows.stream().anyMatch(r -> r.is("OUTGOING_SIP", "bob@" + BridgeTesting.SIP_DOMAIN, xmppUser(prosody, "alice")))
                            && rows.stream().anyMatch(r -> r.is("INCOMING_SIP", "carol@" + BridgeTesting.SIP_DOMAIN, xmppUser(prosody, "dave"))),
                            WAIT, "the two records ACTIVE");
                    awaitHealth(owner, h -> h.path("persistence").path("pendingWrites").asInt(-1) == 0, WAIT, "no write waiting");
                    List<ReceivedSubscribe> beforeKill = sip.subscribes();
                    assertThat(beforeKill).as("every SUBSCRIBE before the kill comes from the owner")
                            .allSatisfy(s -> assertThat(viaPort(s.request())).isEqualTo(owner.sipPort()));
                    fact("before the kill: both records ACTIVE in PostgreSQL, no write waiting, and all " + beforeKill.size()
                            + " SUBSCRIBEs the SIP peer got came from the owner");

                    // ---- 4. kill -9 of the owner: the survivor takes the bridge over ----
                    RunningSwitchboard survivor = standby;
                    String survivorId = standbyId;
                    String survivorName = standbyName;
                    Instant killedAt = Instant.now();
                    owner.kill();
                    assertThat(owner.isAlive()).as("the owner after SIGKILL").isFalse();
                    fact("member " + ownerName + " (pid " + owner.pid() + ") killed with SIGKILL");
                    long deadline = System.nanoTime() + TAKEOVER_BOUND.toNanos();
                    awaitBridgeOwner(postgres, bridgeKey, survivorId::equals, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    Instant claimedSeen = Instant.now();
                    awaitBridgeState(survivor, "CONNECTED", Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    Duration takeover = Duration.between(killedAt, Instant.now());
                    assertThat(takeover).as("from the kill to the survivor's bridge CONNECTED").isLessThan(TAKEOVER_BOUND);
                    fact("the survivor " + survivorName + " owns the BRIDGE lease " + Duration.between(killedAt, claimedSeen).toMillis()
                            + " ms after the kill, and its bridge is CONNECTED " + takeover.toMillis() + " ms after it (bound "
                            + TAKEOVER_BOUND.toSeconds() + " s)");
                    System.out.println("Takeover of the XMPP bridge after SIGKILL: " + takeover.toMillis() + " ms");

                    ReceivedSubscribe again = sip.awaitSubscribe(s -> s.at().isAfter(killedAt) && !s.inDialog() && s.expires() > 0
                            && s.toUri().equals(sipUser("bob")) && s.fromUri().equals(xmppUserAsSip("alice")), Duration.ofSeconds(30));
                    assertThat(viaPort(again.request())).as("the Via port of the new SUBSCRIBE for bob").isEqualTo(survivor.sipPort());
                    assertThat(again.callId()).as("the new SUBSCRIBE's Call-ID").isNotEqualTo(firstSubscribe.callId());
                    sip.assertNoSubscribe(s -> s.at().isAfter(killedAt) && !s.inDialog() && s.toUri().equals(sipUser("bob")),
                            Duration.ofSeconds(2));
                    fact("alice's subscription to bob re-established once, from the survivor's port " + survivor.sipPort()
                            + " in a new dialog (Call-ID " + again.callId() + ")");
                    assertThat(sip.notify(again.callId(), "active;expires=3600",
                            SipPresencePeer.pidf(sipUser("bob"), "open", "away", "after the takeover", Instant.now()))).isEqualTo(200);
                    Presence afterTakeover = alice.awaitPresence(bob, p -> "after the takeover".equals(p.getStatus()), WAIT);
                    assertThat(afterTakeover.getMode()).isEqualTo(Presence.Mode.away);
                    fact("bob's next NOTIFY (away, \"after the takeover\") in the new dialog reaches alice as "
                            + XmppUser.showAndStatus(afterTakeover));

                    int refresh = sip.resubscribe(first, 3600);
                    assertThat(refresh).as("carol's refresh in the dialog of the killed member").isEqualTo(481);
                    Watch anew = sip.subscribe(sipUser("carol"), xmppUserAsSip("dave"), survivor.sipPort(), 3600);
                    assertThat(anew.status()).as("carol's new SUBSCRIBE to dave\n%s", survivor.stderr()).isEqualTo(200);
                    assertThat(anew.callId()).isNotEqualTo(first.callId());
                    String newTag = ((ToHeader) anew.response().getHeader(ToHeader.NAME)).getTag();
                    ReceivedNotify firstNew = sip.awaitNotify(anew, n -> true, WAIT);
                    assertThat(firstNew.state()).as("the first NOTIFY of the new dialog (dave approved before)").isEqualTo("active");
                    assertFromOwner(firstNew, survivor, newTag);
                    ReceivedNotify probed = carries("open", "away", "before the kill").test(firstNew) ? firstNew
                            : sip.awaitNotify(anew, carries("open", "away", "before the kill"), WAIT);
                    assertFromOwner(probed, survivor, newTag);
                    fact("carol's refresh in the old dialog gets 481; her new SUBSCRIBE to the survivor gets 200, NOTIFY active, and dave's "
                            + "presence at the kill (away, \"before the kill\") from the survivor");
                    dave.available(Presence.Mode.dnd, "after the takeover");
                    assertFromOwner(sip.awaitNotify(anew, carries("open", "busy", "after the takeover"), WAIT), survivor, newTag);
                    fact("dave's next change (dnd, \"after the takeover\") reaches carol from the survivor");

                    JsonNode survivorHealth = BridgeTesting.health(survivor);
                    assertThat(survivorHealth.path("bridge").path("outgoing").asInt()).as("%s", survivorHealth.path("bridge")).isEqualTo(1);
                    assertThat(survivorHealth.path("bridge").path("incoming").asInt()).as("%s", survivorHealth.path("bridge")).isEqualTo(1);
                    assertThat(survivorHealth.path("pool").path("leases").path("BRIDGE").asInt(0)).as("%s", survivorHealth.path("pool"))
                            .isEqualTo(1);
                    assertThat(survivorHealth.path("pool").path("takeovers").asLong()).as("%s", survivorHealth.path("pool")).isEqualTo(1);
                    List<Row> rows = BridgeTesting.rows(postgres);
                    assertThat(rows).as("the records after the takeover").hasSize(2).allSatisfy(r -> assertThat(r.state()).isEqualTo("ACTIVE"));
                    fact("the survivor's health: bridge " + survivorHealth.path("bridge").path("state").asText() + " with 1 outgoing and 1 "
                            + "incoming, pool leases " + survivorHealth.path("pool").path("leases") + ", 1 takeover; 2 ACTIVE records");

                    // ---- 5. never two live owners ----
                    sampler.stop();
                    assertNoTwoLiveOwners(postgres, bridgeKey, ownerId, survivorId, killedAt);
                    fact("the lease history: free, " + ownerName + ", then " + survivorName + " (epochs 0, 1, 2), taken only after the kill "
                            + "and after the killed member's membership had lapsed (its expiry plus the skew)");
                    List<String> both = sampler.bothRunning();
                    assertThat(both).as("samples in which both members' bridges ran").isEmpty();
                    assertThat(sampler.rounds()).as("sampling rounds").isGreaterThan(10);
                    fact("in " + sampler.rounds() + " rounds of reading both members' health, never both bridges running "
                            + "(states seen: " + sampler.seen() + ")");
                } catch (AssertionError | Exception e) {
                    keepLogs(a, b);
                    throw e;
                }
            }
        }
    }

    // ----- the lease -----

    /** The schema first (as the first instance would make it), then a trigger that keeps every change of a lease. */
    private void keepLeaseHistory(TestPostgres postgres) throws Exception {
        Database.open(postgres.settings(2, 5), Files.createDirectories(work.resolve("schema"))).close();
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE lease_history (kind VARCHAR(16), item_key VARCHAR(1024), owner_id VARCHAR(36), epoch BIGINT,"
                    + " changed_at TIMESTAMP WITH TIME ZONE, seen_at TIMESTAMP WITH TIME ZONE DEFAULT clock_timestamp())");
            s.execute("CREATE FUNCTION keep_lease_history() RETURNS trigger AS $$ BEGIN INSERT INTO lease_history"
                    + " (kind, item_key, owner_id, epoch, changed_at) VALUES (NEW.kind, NEW.item_key, NEW.owner_id, NEW.epoch,"
                    + " NEW.changed_at); RETURN NEW; END; $$ LANGUAGE plpgsql");
            s.execute("CREATE TRIGGER pool_lease_history AFTER INSERT OR UPDATE ON pool_lease FOR EACH ROW EXECUTE FUNCTION keep_lease_history()");
        }
    }

    /** The BRIDGE lease rows: item key → owner (null: free). */
    private static List<String[]> bridgeLeases(TestPostgres postgres) throws Exception {
        return query(postgres, "SELECT item_key, owner_id FROM pool_lease WHERE kind = 'BRIDGE'");
    }

    /** Waits for exactly one BRIDGE lease row, for {@code key}, with an owner that {@code condition} accepts; the owner. */
    private static String awaitBridgeOwner(TestPostgres postgres, String key, Predicate<String> condition, Duration timeout) throws Exception {
        List<String[]> rows = List.of();
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            rows = bridgeLeases(postgres);
            if (rows.size() == 1 && rows.get(0)[0].equals(key) && rows.get(0)[1] != null && condition.test(rows.get(0)[1])) {
                return rows.get(0)[1];
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the BRIDGE lease did not reach the expected owner within " + timeout + "; rows: " + describe(rows));
    }

    /**
     * For {@code period}, every half second: one BRIDGE lease row, owned by {@code ownerId}; the owner's bridge CONNECTED, the
     * standby's STANDBY. The number of samples.
     */
    private static int assertSteady(TestPostgres postgres, String key, String ownerId, RunningSwitchboard owner, RunningSwitchboard standby,
            Duration period) throws Exception {
        int samples = 0;
        long end = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < end) {
            List<String[]> rows = bridgeLeases(postgres);
            assertThat(rows.size() == 1 && rows.get(0)[0].equals(key) && ownerId.equals(rows.get(0)[1]))
                    .as("sample %d: the BRIDGE lease rows %s, expected one for %s owned by %s", samples, describe(rows), key, ownerId).isTrue();
            assertThat(bridgeState(BridgeTesting.health(owner))).as("sample %d: the owner's bridge", samples).isEqualTo("CONNECTED");
            assertThat(bridgeState(BridgeTesting.health(standby))).as("sample %d: the standby's bridge", samples).isEqualTo("STANDBY");
            samples++;
            Thread.sleep(500);
        }
        return samples;
    }

    /**
     * From the trigger's history of the BRIDGE lease: it was made free, claimed by the first owner, and passed to the survivor
     * once, with an epoch one higher at every change; the survivor claimed it after the kill and not before the killed member's
     * membership had lapsed (its last lease expiry plus the skew), so the two never both held it while alive.
     */
    private static void assertNoTwoLiveOwners(TestPostgres postgres, String key, String ownerId, String survivorId, Instant killedAt)
            throws Exception {
        List<String[]> history = query(postgres, "SELECT owner_id, epoch, changed_at FROM lease_history WHERE kind = 'BRIDGE'"
                + " AND item_key = '" + key.replace("'", "''") + "' ORDER BY seen_at");
        List<String[]> otherKinds = query(postgres, "SELECT kind, item_key, owner_id FROM lease_history WHERE kind <> 'BRIDGE'");
        assertThat(otherKinds).as("changes of leases other than the bridge's (none expected): %s", describe(otherKinds)).isEmpty();
        List<String> owners = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            owners.add(history.get(i)[0]);
            assertThat(Long.parseLong(history.get(i)[1])).as("the epoch of change %d in %s", i, describe(history)).isEqualTo(i);
        }
        assertThat(owners).as("the BRIDGE lease's owners in order: %s", describe(history)).containsExactly(null, ownerId, survivorId);
        Instant claimed = timestamp(postgres, "SELECT changed_at FROM pool_lease WHERE kind = 'BRIDGE' AND owner_id = '" + survivorId + "'");
        Instant lapsed = timestamp(postgres, "SELECT lease_expires_at FROM pool_member WHERE instance_id = '" + ownerId + "'");
        assertThat(claimed).as("the survivor's claim").isAfter(killedAt);
        assertThat(claimed).as("the survivor's claim, against the killed member's expiry %s plus the skew", lapsed)
                .isAfterOrEqualTo(lapsed.plus(SKEW).minusMillis(1));
    }

    private static Instant timestamp(TestPostgres postgres, String sql) throws Exception {
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row for %s", sql).isTrue();
            return rs.getTimestamp(1).toInstant();
        }
    }

    private static List<String[]> query(TestPostgres postgres, String sql) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                    row[i] = rs.getString(i + 1);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static String describe(List<String[]> rows) {
        return rows.stream().map(r -> String.join(" | ", java.util.Arrays.stream(r).map(String::valueOf).toList())).toList().toString();
    }

    // ----- the wire -----

    private static int viaPort(Message message) {
        return ((ViaHeader) message.getHeader(ViaHeader.NAME)).getPort();
    }

    private static String contact(Message message) {
        ContactHeader contact = (ContactHeader) message.getHeader(ContactHeader.NAME);
        return contact == null ? "(none)" : contact.getAddress().getURI().toString();
    }

    /** A NOTIFY sent by {@code member} (its top Via) in the dialog whose notifier's tag is {@code dialogTag}. */
    private static void assertFromOwner(ReceivedNotify notify, RunningSwitchboard member, String dialogTag) {
        assertThat(viaPort(notify.request())).as("the Via port of the NOTIFY:\n%s", notify.request()).isEqualTo(member.sipPort());
        assertThat(((FromHeader) notify.request().getHeader(FromHeader.NAME)).getTag()).as("the NOTIFY's From tag (the 200's To tag)")
                .isEqualTo(dialogTag);
    }

    // ----- the members -----

    private static String instanceId(RunningSwitchboard server) throws Exception {
        return BridgeTesting.health(server).get("instanceId").asText();
    }

    private static void fact(String line) {
        System.out.println("bridge-pool: " + line);
    }

    /** Kept for whoever reads a failure: the members' logs go with the test's temporary directory. */
    private static void keepLogs(RunningSwitchboard a, RunningSwitchboard b) {
        try {
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "BridgePoolIT-a.log"), a.stderr());
            Files.writeString(Path.of("target", "BridgePoolIT-b.log"), b.stderr());
        } catch (java.io.IOException e) {
            System.err.println("BridgePoolIT: cannot keep the members' logs: " + e);
        }
    }

    /**
     * Reads both members' bridge state every half second on a thread of its own, for as long as the test runs: a round in
     * which both members answered with a running bridge (anything but STANDBY) means the bridge ran on both at once. A
     * member that does not answer (killed, or not up yet) counts as not running.
     */
    private static final class StateSampler implements AutoCloseable {
        private final RunningSwitchboard a;
        private final RunningSwitchboard b;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<String> bothRunning = new ArrayList<>();
        private final Set<String> seen = new java.util.TreeSet<>();
        private final Thread thread;
        private int rounds;

        private StateSampler(RunningSwitchboard a, RunningSwitchboard b) {
            this.a = a;
            this.b = b;
            this.thread = new Thread(this::run, "bridge-state-sampler");
            this.thread.setDaemon(true);
        }

        static StateSampler start(RunningSwitchboard a, RunningSwitchboard b) {
            StateSampler sampler = new StateSampler(a, b);
            sampler.thread.start();
            return sampler;
        }

        private void run() {
            while (running.get()) {
                String stateA = state(a);
                String stateB = state(b);
                synchronized (this) {
                    rounds++;
                    seen.add("A " + stateA);
                    seen.add("B " + stateB);
                    if (RUNNING.contains(stateA) && RUNNING.contains(stateB)) {
                        bothRunning.add(Instant.now() + ": A " + stateA + ", B " + stateB);
                    }
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static String state(RunningSwitchboard member) {
            if (!member.isAlive()) {
                return "(dead)";
            }
            try {
                return bridgeState(BridgeTesting.health(member));
            } catch (Exception e) {
                return "(no answer)";
            }
        }

        void stop() {
            running.set(false);
            thread.interrupt();
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        synchronized List<String> bothRunning() {
            return List.copyOf(bothRunning);
        }

        synchronized int rounds() {
            return rounds;
        }

        synchronized Set<String> seen() {
            return Set.copyOf(seen);
        }

        @Override
        public void close() {
            stop();
        }
    }
}
