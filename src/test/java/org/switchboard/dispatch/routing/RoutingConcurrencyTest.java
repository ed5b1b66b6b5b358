package org.switchboard.dispatch.routing;

import org.switchboard.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.switchboard.dispatch.routing.RoutingDecision.Delivered;
import org.switchboard.dispatch.routing.RoutingDecision.Rejected;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.EndpointId;
import org.switchboard.endpoint.SipUri;

/** Routing while endpoints are added and removed from other threads. */
@Timeout(60)
class RoutingConcurrencyTest {

    private static final Aor STABLE = Aor.parse("sip:stable@example.com");
    private static final Aor POOL = Aor.parse("sip:pool@example.com");
    private static final Aor CHURN = Aor.parse("sip:churn@example.com");
    private static final int WRITERS = 3;
    private static final int ROUNDS = 2_000;

    private final RoutingTable table = new RoutingTable();
    private final Router router = new Router(table, new ConversationRegistry(new MutableClock(), Duration.ofMinutes(1), 1000));
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private static IncomingRequest to(String uri) {
        return new IncomingRequest("MESSAGE", true, java.util.Optional.empty(), SipUri.parse(uri),
                java.util.Optional.empty(), java.util.Optional.empty(), SipUri.parse("sip:caller@example.net"));
    }

    @Test
    void routingStaysConsistentWhileEndpointsComeAndGo() throws Exception {
        EndpointRef stable = EndpointRef.application("stable", STABLE);
        EndpointRef poolAnchor = EndpointRef.application("pool-anchor", POOL);
        table.add(stable);
        table.add(poolAnchor);
        AtomicBoolean writing = new AtomicBoolean(true);
        Queue<String> inconsistencies = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);

        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(threads.submit(() -> {
                start.await();
                for (int round = 0; round < ROUNDS; round++) {
                    EndpointRef member = EndpointRef.application("pool-" + writer + "-" + (round % 4), POOL);
                    EndpointRef device = EndpointRef.user("churn-" + writer, CHURN, new EndpointId("e" + writer));
                    table.add(member);
                    table.add(device);
                    table.remove(member);
                    table.remove(device);
                }
                return null;
            }));
        }
        Callable<Integer> routing = () -> {
            start.await();
            int routed = 0;
            while (writing.get()) {
                check(router.route(to("sip:stable@example.com")), stable, inconsistencies);
                RoutingDecision pooled = router.route(to("sip:pool@example.com"));
                if (!(pooled instanceof Delivered d && d.endpoint().owner().equals(POOL))) {
                    inconsistencies.add("pool: " + pooled);
                }
                RoutingDecision device = router.route(to("sip:churn@example.com;epid=e1"));
                boolean deviceOk = device.equals(Router.NO_MATCHING_ENDPOINT)
                        || (device instanceof Delivered d && d.endpoint().endpointId().orElseThrow().value().equals("e1"));
                if (!deviceOk) {
                    inconsistencies.add("device: " + device);
                }
                RoutingDecision anyDevice = router.route(to("sip:churn@example.com"));
                boolean anyDeviceOk = anyDevice instanceof Rejected
                        || (anyDevice instanceof Delivered d && d.endpoint().owner().equals(CHURN));
                if (!anyDeviceOk) {
                    inconsistencies.add("any device: " + anyDevice);
                }
                routed++;
            }
            return routed;
        };
        Future<Integer> router1 = threads.submit(routing);
        Future<Integer> router2 = threads.submit(routing);

        start.countDown();
        for (Future<?> writer : writers) {
            writer.get(30, TimeUnit.SECONDS); // rethrows any exception of a writer
        }
        writing.set(false);

        assertThat(router1.get(30, TimeUnit.SECONDS) + router2.get(30, TimeUnit.SECONDS)).isPositive();
        assertThat(inconsistencies).isEmpty();
        assertThat(table.endpoints()).containsExactlyInAnyOrder(stable, poolAnchor);
    }

    private static void check(RoutingDecision decision, EndpointRef expected, Queue<String> inconsistencies) {
        if (!decision.equals(new Delivered(expected, Rule.TO_AOR))) {
            inconsistencies.add("stable: " + decision);
        }
    }

    @Test
    void concurrentAddsOfOneGruuLetExactlyOneWin() throws Exception {
        int contenders = 8;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Future<?>> attempts = new ArrayList<>();
        for (int i = 0; i < contenders; i++) {
            attempts.add(threads.submit(() -> {
                start.await();
                try {
                    table.add(EndpointRef.application("same", POOL));
                    accepted.incrementAndGet();
                } catch (IllegalArgumentException duplicate) {
                    refused.incrementAndGet();
                }
                return null;
            }));
        }

        start.countDown();
        for (Future<?> attempt : attempts) {
            attempt.get(30, TimeUnit.SECONDS);
        }

        assertThat(accepted).hasValue(1);
        assertThat(refused).hasValue(contenders - 1);
        assertThat(table.endpoints()).hasSize(1);
    }

    @Test
    void poolTurnsStayFairUnderConcurrentLookups() throws Exception {
        int members = 4;
        int perThread = 1_000;
        for (int i = 0; i < members; i++) {
            table.add(EndpointRef.application("member-" + i, POOL));
        }
        Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> lookups = new ArrayList<>();
        for (int t = 0; t < members; t++) {
            lookups.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    Delivered delivered = (Delivered) router.route(to("sip:pool@example.com"));
                    deliveries.computeIfAbsent(delivered.endpoint().name(), n -> new AtomicInteger()).incrementAndGet();
                }
                return null;
            }));
        }

        start.countDown();
        for (Future<?> lookup : lookups) {
            lookup.get(30, TimeUnit.SECONDS);
        }

        assertThat(deliveries).hasSize(members);
        assertThat(deliveries.values()).allSatisfy(count -> assertThat(count).hasValue(perThread));
    }
}
