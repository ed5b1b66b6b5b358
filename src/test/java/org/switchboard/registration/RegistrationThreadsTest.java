package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/**
 * Issue 17: a slow DNS lookup of one endpoint's discovery holds up neither the thread that hands the registration
 * its work (a SIP thread, the timer thread every endpoint shares) nor another endpoint's refresh, nor an operator
 * reading its state. Real worker threads; the lookup blocks until the test lets it go.
 */
@Timeout(30)
class RegistrationThreadsTest {

    private static final Duration EXPIRES = Duration.ofSeconds(600);
    private static final SipUri DIRECTOR = SipUri.parse("sip:dir.example.com:5060;transport=udp");

    private final MutableClock clock = new MutableClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    private final CountDownLatch dnsAnswers = new CountDownLatch(1);
    private volatile boolean dnsSlow;
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final Map<String, RegisterSender.Wire> wires = new ConcurrentHashMap<>();
    private final Map<String, Long> lastId = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        dnsAnswers.countDown();
        workers.shutdownNow();
    }

    private Registrations registrations() {
        SrvLookup srv = name -> {
            if (dnsSlow) {
                try {
                    dnsAnswers.await(20, TimeUnit.SECONDS); // a DNS server that does not answer in time
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return List.of(new SrvLookup.SrvTarget(10, 0, "dir.example.com.", 5060));
        };
        RegistrationPolicy policy = new RegistrationPolicy(EXPIRES, Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(5), 3);
        RegistrarCache noCache = new RegistrarCache() {
            @Override
            public Optional<Registrars> find(Aor user) {
                return Optional.empty();
            }

            @Override
            public void save(Aor user, Registrars registrars) {
            }

            @Override
            public void forget(Aor user) {
            }
        };
        return new Registrations(policy, new RegistrarDiscovery(Optional.of(srv), "example.com", "udp", List.of()), noCache, scheduler,
                clock, workers);
    }

    private void add(Registrations registrations, String endpoint, String user) {
        registrations.add(endpoint, Aor.parse("sip:" + user + "@example.com"), wire -> {
            wires.put(endpoint, wire);
            return new RegisterSender() {
                @Override
                public void register(SipUri registrar, Duration expires, long requestId) {
                    lastId.put(endpoint, requestId);
                    sent.add(endpoint + " REGISTER " + registrar);
                }

                @Override
                public void probe(SipUri registrar, long requestId) {
                    sent.add(endpoint + " OPTIONS " + registrar);
                }
            };
        });
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    private RegistrationSnapshot snapshot(Registrations registrations, String endpoint) {
        return registrations.snapshots().stream().filter(s -> s.endpoint().equals(endpoint)).findFirst().orElseThrow();
    }

    @Test
    void a_lookup_that_does_not_answer_holds_up_no_other_endpoint_and_no_thread_that_hands_over_work() throws Exception {
        Registrations registrations = registrations();
        add(registrations, "bob-desk", "bob");
        registrations.open();
        await("bob's first REGISTER", () -> sent.contains("bob-desk REGISTER " + DIRECTOR));
        assertThat(wires.get("bob-desk").onRegisterAnswer(lastId.get("bob-desk"), 200, Optional.of(EXPIRES), List.of()))
                .isEqualTo(RegisterSender.Verdict.TAKEN);
        await("bob registered", () -> snapshot(registrations, "bob-desk").state() == RegistrationState.REGISTERED);

        // From now on DNS does not answer: alice's sign-in waits in a lookup on a worker.
        dnsSlow = true;
        add(registrations, "alice-desk", "alice");
        await("alice discovering", () -> snapshot(registrations, "alice-desk").state() == RegistrationState.DISCOVERING);

        // The shared timer thread (the test's, with a manual scheduler) fires bob's refresh: it goes out at once.
        scheduler.advance(EXPIRES);
        await("bob's refresh while alice's lookup hangs", () -> sent.stream().filter(s -> s.startsWith("bob-desk REGISTER")).count() == 2);
        assertThat(snapshot(registrations, "alice-desk").state()).as("alice still waits for DNS").isEqualTo(RegistrationState.DISCOVERING);
        assertThat(sent).noneMatch(s -> s.startsWith("alice-desk"));

        dnsAnswers.countDown();
        await("alice's REGISTER once DNS answered", () -> sent.contains("alice-desk REGISTER " + DIRECTOR));
    }
}
