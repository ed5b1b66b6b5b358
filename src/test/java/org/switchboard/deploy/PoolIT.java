package org.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.RequestEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.switchboard.arquillian.FreePorts;
import org.switchboard.arquillian.sip.SipClient;
import org.switchboard.testing.Build;
import org.switchboard.testing.DebianPostgres;
import org.switchboard.testing.Kamailio;
import org.switchboard.testing.Peers;

/**
 * {@code deploy/pool} as an operator runs it (issue 20): Debian's PostgreSQL, two instances and Kamailio's dispatcher
 * on loopback, one ready line. One pool serves every case, in order, since a start takes most of the time: requests of
 * one conversation reach the instance that knows it; a dispatcher list naming a dead instance; a rolling restart
 * (SIGHUP) under a steady MESSAGE load with no failed call; {@code kill -9} of an instance under load; SIGTERM stops
 * everything the pool started.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoolIT {

    private static final Path SIPP = Path.of("/usr/bin/sipp");
    private static final Pattern PID = Pattern.compile("pid (\\d+)");
    private static final Pattern INSTANCE = Pattern.compile("^pool: instance (\\d+)(?::| restarted:) SIP 127\\.0\\.0\\.1:(\\d+), .*pid (\\d+)");
    private static final Duration ANSWER = Duration.ofSeconds(10);
    private static final String FROM_USER = "carol";
    /** An application endpoint for the load, and one user with two endpoints: a bare To of alice is ambiguous. */
    private static final String CONFIG = """
            endpoints:
              - {aor: "sip:echo@example.com", bean: echo}
              - {aor: "sip:alice@example.com", kind: user, epid: e1, bean: echo}
              - {aor: "sip:alice@example.com", kind: user, epid: e2, bean: echo}
            """;
    private static final int DRAIN_SECONDS = 4;

    /** Shared by the cases, like the pool (a static field: JUnit fills it before {@code @BeforeAll}). */
    @TempDir
    static Path work;

    private Process pool;
    private Path out;
    private int poolPort;
    private long postgresPid;
    private long kamailioPid;
    /** Instance number → its SIP port, and its pid as last announced. */
    private final Map<Integer, Integer> sipPorts = new HashMap<>();
    private final Map<Integer, Long> pids = new HashMap<>();

    @BeforeAll
    void startPool() throws Exception {
        DebianPostgres.assumeInstalled();
        Kamailio.assumeInstalled();
        Peers.require(Files.isExecutable(SIPP), "SIPp is not installed (apt-get install -y sip-tester)");
        // As root the pool's PostgreSQL runs as the postgres user, which must pass through this test's directory.
        work.toFile().setExecutable(true, false);
        Path config = Files.writeString(work.resolve("pool.yaml"), CONFIG);
        poolPort = FreePorts.udpAndTcp();
        out = work.resolve("pool.out");
        pool = new ProcessBuilder(Build.basedir().resolve("deploy/pool").toString(), "--instances", "2", "--sip-port",
                String.valueOf(poolPort), "--config", config.toString(), "--dir", work.resolve("pool").toString(),
                "--drain-seconds", String.valueOf(DRAIN_SECONDS), "--no-console")
                .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String ready = awaitLine("Switchboard pool ready:", Duration.ofSeconds(240));
        assertThat(ready).startsWith("Switchboard pool ready: SIP 127.0.0.1:" + poolPort + " (udp, tcp)").contains("2 instance(s)");
        List<Long> all = new ArrayList<>();
        for (String line : Files.readString(out).split("\n")) {
            Matcher pid = PID.matcher(line);
            if (line.startsWith("pool: ") && pid.find()) {
                all.add(Long.parseLong(pid.group(1)));
            }
            readInstance(line);
        }
        assertThat(all).as("PostgreSQL, two instances, Kamailio: %s", Files.readString(out)).hasSize(4);
        postgresPid = all.get(0);
        kamailioPid = all.get(3);
        assertThat(sipPorts).as("both instances announced").containsOnlyKeys(1, 2);
    }

    @AfterAll
    void stopPool() throws Exception {
        if (pool != null && pool.isAlive()) {
            pool.destroy();
            pool.waitFor(90, TimeUnit.SECONDS);
        }
        List<Long> left = new ArrayList<>(pids.values());
        left.add(postgresPid);
        left.add(kamailioPid);
        for (long pid : left) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Each conversation starts with a MESSAGE to alice's endpoint e2 (by epid) and goes on with a MESSAGE to alice's bare
     * AOR, with a new Call-ID: only the conversation id singles out e2 there (PRODUCT.md §B rule 3), so an instance that
     * does not know the conversation answers 485. Hashing on Ms-Conversation-ID sends both to the same instance. Then each
     * instance is asked directly: exactly one knows each conversation, and both know some.
     */
    @Test
    @Order(1)
    void requests_of_one_conversation_with_new_call_ids_reach_the_instance_that_knows_it_and_conversations_spread() throws Exception {
        int conversations = 16;
        Map<Integer, Integer> knownBy = new HashMap<>();
        try (SipClient client = SipClient.udp()) {
            for (int c = 1; c <= conversations; c++) {
                String conversation = "pool-conversation-" + c;
                Response first = message(client, poolPort, "sip:alice@example.com;epid=e2", conversation);
                assertThat(first.getStatusCode()).as("first MESSAGE of %s:%n%s", conversation, first).isEqualTo(200);
                String e2 = SipClient.contactUri(first);
                assertThat(e2).contains(";gr=");

                Response second = message(client, poolPort, "sip:alice@example.com", conversation);
                assertThat(second.getStatusCode()).as("second MESSAGE of %s, new Call-ID, through the dispatcher:%n%s", conversation, second)
                        .isEqualTo(200);
                assertThat(SipClient.contactUri(second)).as("answered by e2, the endpoint of the conversation").isEqualTo(e2);
            }
            for (int c = 1; c <= conversations; c++) {
                String conversation = "pool-conversation-" + c;
                List<Integer> knowing = new ArrayList<>();
                for (int instance : sipPorts.keySet()) {
                    Request options = client.withHeader(client.requestTo(Request.OPTIONS, "sip:alice@example.com", FROM_USER,
                            sipPorts.get(instance)), "Ms-Conversation-ID", conversation);
                    int status = client.send(options, ANSWER).getStatusCode();
                    assertThat(status).as("instance %d on %s", instance, conversation).isIn(200, 485);
                    if (status == 200) {
                        knowing.add(instance);
                    }
                }
                assertThat(knowing).as("the instances that know %s", conversation).hasSize(1);
                knownBy.merge(knowing.get(0), 1, Integer::sum);
            }
        }
        assertThat(knownBy).as("conversations per instance").containsOnlyKeys(1, 2);
    }

    /**
     * An operator's list naming an instance where nothing listens: Kamailio with the pool's routing in front of
     * instance 1 and a dead address says once, in one line, that the dead one is down; after that every MESSAGE is
     * answered 200 by the live one and none is tried on the dead one.
     */
    @Test
    @Order(2)
    void a_dispatcher_list_naming_a_dead_instance_still_serves_and_says_which_instance_is_down() throws Exception {
        String live = "sip:127.0.0.1:" + sipPorts.get(1);
        String dead = "sip:127.0.0.1:" + FreePorts.udpAndTcp();
        try (Kamailio dispatcher = Kamailio.dispatcher(Build.basedir().resolve("deploy/kamailio-pool.cfg"), List.of(live, dead));
                SipClient client = SipClient.udp()) {
            String down = "pool: instance " + dead + " is down";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!dispatcher.log().contains(down) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(dispatcher.log()).as("Kamailio's log").contains(down);
            int markedAt = dispatcher.log().indexOf(down);
            for (int c = 1; c <= 20; c++) {
                Response response = message(client, dispatcher.port(), "sip:echo@example.com", "dead-list-" + c);
                assertThat(response.getStatusCode()).as("MESSAGE %d:%n%s", c, response).isEqualTo(200);
            }
            String log = dispatcher.log();
            assertThat(log.lines().filter(line -> line.contains(down))).as("one line for the dead instance:%n%s", log).hasSize(1);
            assertThat(log.lines().filter(line -> line.contains("pool: instance " + live + " is down"))).as("the live one stays up").isEmpty();
            // Only the MESSAGEs, all sent after the mark: the fixture's start-up OPTIONS may have gone to the dead instance
            // before it was marked and time out (logged as failed) after it.
            assertThat(log.substring(markedAt).lines().filter(line -> line.contains(" failed (") && line.contains(" for MESSAGE ")))
                    .as("no MESSAGE tried on the dead instance after it was marked:%n%s", log).isEmpty();
        }
    }

    /**
     * SIGHUP: each instance drains, stops, starts again on its ports and data directory and is taken back by the
     * dispatcher before the next goes, while SIPp sends MESSAGEs through the dispatcher at 20/s: every one is answered
     * 200, none meets a stopped or draining instance (no failover in Kamailio's log), and each instance has a new pid
     * and answers again.
     */
    @Test
    @Order(3)
    void a_rolling_restart_under_a_steady_message_load_fails_no_call() throws Exception {
        Map<Integer, Long> before = new HashMap<>(pids);
        Path kamailioLog = work.resolve("pool/kamailio/kamailio.log");
        int kamailioFrom = Files.readString(kamailioLog).length();
        int outFrom = Files.readString(out).length();
        Path stats = work.resolve("rolling-stats.csv");
        Process sipp = new ProcessBuilder(SIPP.toString(), "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", "echo", "-r", "20", "-t", "u1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()), "-nostdin",
                "-trace_stat", "-stf", stats.toString(), "-fd", "1", "127.0.0.1:" + poolPort)
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("sipp-rolling.out").toFile()).start();
        long sippStarted = System.nanoTime();
        double sippSeconds;
        try {
            Thread.sleep(2000);
            signal("-HUP", pool.pid());
            String end = awaitLineAfter(outFrom, "pool: rolling restart (done|stopped)", Duration.ofSeconds(400));
            assertThat(end).as("pool output:%n%s", Files.readString(out).substring(outFrom)).isEqualTo("pool: rolling restart done");
            Thread.sleep(2000);
            signal("-USR1", sipp.pid()); // SIPp: place no new call, finish the ones under way, exit
            assertThat(sipp.waitFor(30, TimeUnit.SECONDS)).as("SIPp stops").isTrue();
            sippSeconds = (System.nanoTime() - sippStarted) / 1e9;
        } finally {
            sipp.destroyForcibly();
        }
        Map<String, Long> totals = lastStats(stats);
        assertThat(totals.get("FailedCall(C)")).as("failed MESSAGEs; SIPp stats %s", totals).isZero();
        System.out.printf("PoolIT rolling restart: SIPp ran %.0f s at 20 MESSAGE/s: %s%n", sippSeconds, totals);
        assertThat(totals.get("SuccessfulCall(C)")).as("MESSAGEs answered 200 over the whole restart, SIPp keeping its rate")
                .isGreaterThanOrEqualTo((long) (0.9 * 20 * (sippSeconds - 1)));
        assertThat(sipp.exitValue()).isZero();

        for (String line : Files.readString(out).substring(outFrom).split("\n")) {
            readInstance(line);
        }
        try (SipClient client = SipClient.udp()) {
            for (int instance : List.of(1, 2)) {
                assertThat(pids.get(instance)).as("instance %d has a new pid", instance).isNotEqualTo(before.get(instance));
                assertThat(gone(before.get(instance))).as("instance %d's old process is gone", instance).isTrue();
                Response answer = client.send(client.requestTo(Request.OPTIONS, "sip:echo@example.com", FROM_USER, sipPorts.get(instance)), ANSWER);
                assertThat(answer.getStatusCode()).as("instance %d answers again", instance).isEqualTo(200);
            }
        }
        String kamailio = Files.readString(kamailioLog).substring(kamailioFrom);
        assertThat(kamailio).as("no request met a stopped or draining instance:%n%s", kamailio).doesNotContain(" failed (");
        for (int instance : List.of(1, 2)) {
            assertThat(kamailio).contains("pool: instance sip:127.0.0.1:" + sipPorts.get(instance) + " is up");
        }
    }

    @Test
    @Order(4)
    void messages_through_the_dispatcher_are_answered_before_and_after_an_instance_is_killed_and_sigterm_stops_everything()
            throws Exception {
        assertThat(sipp("before")).as("40 MESSAGEs through the dispatcher, every one answered 200").isZero();

        long firstInstance = pids.get(1);
        signal("-9", firstInstance);
        assertThat(gone(firstInstance)).as("instance 1 killed").isTrue();
        assertThat(sipp("after-kill")).as("every MESSAGE after the kill answered 200 by the other instance").isZero();
        assertThat(Files.readString(work.resolve("pool/kamailio/kamailio.log")))
                .contains("pool: instance sip:127.0.0.1:" + sipPorts.get(1) + " is down");

        signal("-TERM", pool.pid());
        assertThat(pool.waitFor(90, TimeUnit.SECONDS)).as("the pool stops on SIGTERM").isTrue();
        assertThat(pool.exitValue()).isZero();
        assertThat(Files.readString(out)).contains("Switchboard pool stopped");
        List<Long> all = new ArrayList<>(pids.values());
        all.add(postgresPid);
        all.add(kamailioPid);
        for (long pid : all) {
            assertThat(gone(pid)).as("pid %d stopped", pid).isTrue();
        }
    }

    /** A MESSAGE with {@code Ms-Conversation-ID}, sent to the SIP port given; answers the echo endpoint's MESSAGE back. */
    private static Response message(SipClient client, int port, String to, String conversation) throws Exception {
        Request request = client.withHeader(client.withBody(client.requestTo(Request.MESSAGE, to, FROM_USER, port), "text", "plain",
                "hello " + conversation), "Ms-Conversation-ID", conversation);
        Response response = client.send(request, ANSWER);
        if (response.getStatusCode() == 200) {
            RequestEvent echo = client.awaitRequest(ANSWER);
            assertThat(echo.getRequest().getMethod()).isEqualTo(Request.MESSAGE);
            client.respond(echo, 200);
        }
        return response;
    }

    /** Records an instance line ("pool: instance N: SIP …, pid P" or "pool: instance N restarted: …"). */
    private void readInstance(String line) {
        Matcher instance = INSTANCE.matcher(line);
        if (instance.find()) {
            int number = Integer.parseInt(instance.group(1));
            sipPorts.put(number, Integer.parseInt(instance.group(2)));
            pids.put(number, Long.parseLong(instance.group(3)));
        }
    }

    /** The last row of a SIPp statistics file (-trace_stat), by column name. */
    private static Map<String, Long> lastStats(Path stats) throws IOException {
        List<String> rows = Files.readAllLines(stats);
        assertThat(rows).as("SIPp statistics").hasSizeGreaterThan(1);
        String[] names = rows.get(0).split(";");
        String[] values = rows.get(rows.size() - 1).split(";");
        Map<String, Long> totals = new HashMap<>();
        for (int i = 0; i < Math.min(names.length, values.length); i++) {
            if (names[i].endsWith("Call(C)")) {
                totals.put(names[i], Long.parseLong(values[i].strip()));
            }
        }
        return totals;
    }

    private static void signal(String signal, long pid) throws Exception {
        new ProcessBuilder("kill", signal, String.valueOf(pid)).start().waitFor(5, TimeUnit.SECONDS);
    }

    /** Whether the process is gone within 10 s (its parent reaps it a moment after it dies). */
    private static boolean gone(long pid) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private String awaitLine(String prefix, Duration timeout) throws IOException, InterruptedException {
        return awaitLineAfter(0, Pattern.quote(prefix) + ".*", timeout);
    }

    /** The first line of the pool's output after {@code from} characters that matches {@code regex} from its start. */
    private String awaitLineAfter(int from, String regex, Duration timeout) throws IOException, InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.readString(out);
            for (String line : text.substring(Math.min(from, text.length())).split("\n")) {
                if (pattern.matcher(line).lookingAt()) {
                    return line;
                }
            }
            if (!pool.isAlive()) {
                throw new AssertionError("deploy/pool exited with " + pool.exitValue() + ":\n" + text);
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no line matching '" + regex + "' from deploy/pool within " + timeout + ":\n" + Files.readString(out));
    }

    /** SIPp's exit status for 40 MESSAGEs at 20/s to sip:echo@… through the pool (0: every one answered 200). */
    private int sipp(String name) throws Exception {
        Path log = work.resolve("sipp-" + name + ".out");
        Process sipp = new ProcessBuilder(SIPP.toString(), "-sf", Build.basedir().resolve("src/test/resources/sipp/message-uac.xml").toString(),
                "-s", "echo", "-m", "40", "-r", "20", "-t", "u1", "-i", "127.0.0.1", "-p", String.valueOf(FreePorts.udpAndTcp()),
                "-recv_timeout", "10000", "-nostdin", "127.0.0.1:" + poolPort)
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!sipp.waitFor(60, TimeUnit.SECONDS)) {
            sipp.destroyForcibly();
            throw new AssertionError("SIPp did not finish:\n" + Files.readString(log));
        }
        return sipp.exitValue();
    }
}
