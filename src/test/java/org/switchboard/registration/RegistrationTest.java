package org.switchboard.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;
import org.switchboard.registration.RegistrationEvent.Kind;
import org.switchboard.testing.ManualScheduler;
import org.switchboard.testing.MutableClock;

/**
 * The registration state machine on a manual clock: sign-in through SRV and 301s or the cache, refreshes,
 * failover, probes, failback, and bad input. Requests are read from a recording sender and answered by hand.
 */
class RegistrationTest {

    static final Aor ALICE = Aor.parse("sip:alice@example.com");
    static final SipUri DIRECTOR = SipUri.parse("sip:dir.example.com:5060;transport=udp");
    static final SipUri DIRECTOR_2 = SipUri.parse("sip:dir2.example.com:5060;transport=udp");
    static final SipUri PRIMARY = SipUri.parse("sip:reg1.example.com:5060");
    static final SipUri BACKUP = SipUri.parse("sip:reg2.example.com:5060");
    static final Duration EXPIRES = Duration.ofSeconds(600);
    static final Duration DETECTION = Duration.ofSeconds(30);
    static final Duration FALLBACK = Duration.ofSeconds(60);
    static final Duration PROBE = Duration.ofSeconds(5);

    final MutableClock clock = new MutableClock();
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final MemoryCache cache = new MemoryCache();
    final FakeSrv srv = new FakeSrv();
    final List<RegistrationEvent> events = new ArrayList<>();
    final List<Sent> sent = new ArrayList<>();
    RegisterSender.Wire wire;
    List<SipUri> configured = List.of();
    int maxRedirects = 3;

    record Sent(String method, SipUri to, Duration expires, long id) {
    }

    static final class MemoryCache implements RegistrarCache {
        final Map<Aor, Registrars> rows = new HashMap<>();

        @Override
        public Optional<Registrars> find(Aor user) {
            return Optional.ofNullable(rows.get(user));
        }

        @Override
        public void save(Aor user, Registrars registrars) {
            rows.put(user, registrars);
        }

        @Override
        public void forget(Aor user) {
            rows.remove(user);
        }
    }

    static final class FakeSrv implements SrvLookup {
        final List<String> asked = new ArrayList<>();
        List<SrvTarget> records = List.of(new SrvTarget(10, 0, "dir.example.com.", 5060));

        @Override
        public List<SrvTarget> lookup(String name) throws IOException {
            asked.add(name);
            return records;
        }
    }

    Registration registration() {
        return registration(new RegistrarDiscovery(Optional.of(srv), "example.com", "udp", configured), cache);
    }

    Registration registration(RegistrarDiscovery discovery, RegistrarCache withCache) {
        RegistrationPolicy policy = new RegistrationPolicy(EXPIRES, DETECTION, FALLBACK, PROBE, maxRedirects);
        return new Registration("alice-desk", ALICE, policy, discovery, withCache, events::add, scheduler, clock, w -> {
            wire = w;
            return new RegisterSender() {
                @Override
                public void register(SipUri registrar, Duration expires, long requestId) {
                    sent.add(new Sent("REGISTER", registrar, expires, requestId));
                }

                @Override
                public void probe(SipUri registrar, long requestId) {
                    sent.add(new Sent("OPTIONS", registrar, Duration.ZERO, requestId));
                }
            };
        });
    }

    Sent last() {
        return sent.get(sent.size() - 1);
    }

    void answer(int status) {
        wire.onRegisterAnswer(last().id(), status, Optional.of(EXPIRES), List.of());
    }

    void redirect(ContactChoice... contacts) {
        wire.onRegisterAnswer(last().id(), 301, Optional.empty(), List.of(contacts));
    }

    static ContactChoice contact(SipUri uri, float q) {
        return new ContactChoice(uri, Optional.of(q));
    }

    /** SRV → director → 301 (primary 0.7, backup 0.3) → 200 from the primary. */
    Registration registeredAtPrimary() {
        Registration r = registration();
        r.start();
        redirect(contact(BACKUP, 0.3f), contact(PRIMARY, 0.7f));
        answer(200);
        return r;
    }

    /** Registered at the primary, then its refresh and retries fail until the backup takes over. */
    Registration registeredAtBackup() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        answer(503);
        scheduler.advance(DETECTION); // retries of the primary time out meanwhile; then REGISTER to the backup
        assertThat(last()).extracting(Sent::method, Sent::to).containsExactly("REGISTER", BACKUP);
        answer(200);
        return r;
    }

    List<Kind> kinds() {
        return events.stream().map(RegistrationEvent::kind).toList();
    }

    List<RegistrationState> states() {
        return events.stream().filter(e -> e.kind() == Kind.STATE_CHANGED).map(RegistrationEvent::to).toList();
    }

    @Test
    void the_first_sign_in_asks_srv_follows_the_301_and_registers_with_the_highest_q() {
        Registration r = registeredAtPrimary();

        assertThat(srv.asked).containsExactly("_sip._udp.example.com");
        assertThat(sent).extracting(Sent::to).containsExactly(DIRECTOR, PRIMARY);
        assertThat(sent.get(1).expires()).isEqualTo(EXPIRES);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
        assertThat(r.snapshot().registrar()).contains(PRIMARY);
        assertThat(r.snapshot().backup()).contains(BACKUP);
        assertThat(cache.rows).containsEntry(ALICE, new Registrars(PRIMARY, Optional.of(BACKUP)));
        assertThat(states()).containsExactly(RegistrationState.DISCOVERING, RegistrationState.REGISTERED);
        assertThat(kinds()).contains(Kind.REDIRECTED);
    }

    @Test
    void srv_targets_are_tried_by_priority_then_the_configured_servers() {
        srv.records = List.of(new SrvLookup.SrvTarget(20, 0, "dir2.example.com.", 5060), new SrvLookup.SrvTarget(10, 0, "dir.example.com.", 5060));
        configured = List.of(PRIMARY);
        Registration r = registration();
        r.start();
        answer(503);
        answer(408);
        answer(200);

        assertThat(sent).extracting(Sent::to).containsExactly(DIRECTOR, DIRECTOR_2, PRIMARY);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
        assertThat(cache.rows.get(ALICE)).isEqualTo(Registrars.primaryOnly(PRIMARY));
    }

    @Test
    void the_registration_is_refreshed_before_it_expires_and_not_earlier() {
        registeredAtPrimary();
        int before = sent.size();

        scheduler.advance(Duration.ofSeconds(539));
        assertThat(sent).hasSize(before);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(sent).hasSize(before + 1);
        assertThat(last()).extracting(Sent::method, Sent::to).containsExactly("REGISTER", PRIMARY);
    }

    @Test
    void a_short_grant_is_refreshed_half_way() {
        Registration r = registration();
        r.start();
        redirect(contact(PRIMARY, 0.7f));
        wire.onRegisterAnswer(last().id(), 200, Optional.of(Duration.ofSeconds(60)), List.of());
        int before = sent.size();

        scheduler.advance(Duration.ofSeconds(29));
        assertThat(sent).hasSize(before);
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(last().to()).isEqualTo(PRIMARY);
    }

    @Test
    void a_failing_primary_is_retried_every_probe_interval_and_the_backup_used_once_the_detection_interval_has_passed() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        answer(503);
        assertThat(r.state()).isEqualTo(RegistrationState.PRIMARY_FAILING);
        int before = sent.size();

        scheduler.advance(DETECTION.minusSeconds(1));
        assertThat(sent.subList(before, sent.size())).extracting(Sent::to).containsOnly(PRIMARY).hasSizeGreaterThanOrEqualTo(2);
        assertThat(r.state()).isEqualTo(RegistrationState.PRIMARY_FAILING);

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(last().to()).isEqualTo(BACKUP);
        answer(200);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED_BACKUP);
        assertThat(r.snapshot().registrar()).contains(BACKUP);
        assertThat(states()).endsWith(RegistrationState.REGISTERED, RegistrationState.PRIMARY_FAILING, RegistrationState.REGISTERED_BACKUP);
    }

    @Test
    void an_unanswered_refresh_counts_as_a_failure_after_the_probe_interval() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);

        scheduler.advance(PROBE);
        assertThat(r.state()).isEqualTo(RegistrationState.PRIMARY_FAILING);
        assertThat(events.get(events.size() - 1).detail()).contains("408 (no answer)");
    }

    @Test
    void a_primary_that_answers_again_within_the_detection_interval_keeps_the_endpoint() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        answer(503);
        scheduler.advance(PROBE);
        answer(200);

        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
        scheduler.advance(DETECTION);
        assertThat(sent).extracting(Sent::to).doesNotContain(BACKUP);
    }

    @Test
    void on_the_backup_the_primary_is_probed_and_a_silent_primary_keeps_the_endpoint_on_the_backup() {
        Registration r = registeredAtBackup();
        int before = sent.size();

        scheduler.advance(PROBE);
        assertThat(last()).extracting(Sent::method, Sent::to).containsExactly("OPTIONS", PRIMARY);
        scheduler.advance(PROBE); // unanswered
        scheduler.advance(PROBE);
        assertThat(sent.subList(before, sent.size())).extracting(Sent::method).containsOnly("OPTIONS").hasSizeGreaterThanOrEqualTo(2);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED_BACKUP);
    }

    @Test
    void failback_comes_once_the_primary_has_answered_probes_for_the_fallback_interval() {
        Registration r = registeredAtBackup();
        scheduler.advance(PROBE);
        wire.onProbeAnswer(last().id(), 200);
        assertThat(r.state()).isEqualTo(RegistrationState.FALLING_BACK);

        long probesWithinFallback = FALLBACK.dividedBy(PROBE) - 1;
        for (long i = 0; i < probesWithinFallback; i++) {
            scheduler.advance(PROBE);
            wire.onProbeAnswer(last().id(), 200);
            assertThat(last().method()).as("still probing after %s s of answers", (i + 1) * PROBE.toSeconds()).isEqualTo("OPTIONS");
        }
        scheduler.advance(PROBE);
        wire.onProbeAnswer(last().id(), 200);
        assertThat(last()).extracting(Sent::method, Sent::to).containsExactly("REGISTER", PRIMARY);
        answer(200);

        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
        assertThat(r.snapshot().registrar()).contains(PRIMARY);
        assertThat(last()).as("the backup is left").extracting(Sent::to, Sent::expires).containsExactly(BACKUP, Duration.ZERO);
        assertThat(states()).endsWith(RegistrationState.REGISTERED_BACKUP, RegistrationState.FALLING_BACK, RegistrationState.REGISTERED);
    }

    @Test
    void a_primary_that_stops_answering_during_the_fallback_interval_starts_the_interval_again() {
        Registration r = registeredAtBackup();
        scheduler.advance(PROBE);
        wire.onProbeAnswer(last().id(), 200);
        scheduler.advance(PROBE);
        wire.onProbeAnswer(last().id(), 503);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED_BACKUP);

        scheduler.advance(PROBE);
        wire.onProbeAnswer(last().id(), 200);
        int before = sent.size();
        for (long i = 0; i < FALLBACK.dividedBy(PROBE) - 1; i++) {
            scheduler.advance(PROBE);
            wire.onProbeAnswer(last().id(), 200);
        }
        assertThat(sent.subList(before, sent.size())).extracting(Sent::method).containsOnly("OPTIONS");
        assertThat(r.state()).isEqualTo(RegistrationState.FALLING_BACK);
    }

    @Test
    void the_backup_registration_is_refreshed_while_on_it() {
        registeredAtBackup();
        scheduler.advance(Duration.ofSeconds(540));
        assertThat(sent).filteredOn(s -> s.method().equals("REGISTER") && s.to().equals(BACKUP)).hasSize(2);
    }

    @Test
    void a_restart_registers_with_the_cached_primary_without_asking_dns() {
        registeredAtPrimary();
        srv.asked.clear();
        sent.clear();
        events.clear();

        Registration again = registration(); // a new start, same cache
        again.start();
        assertThat(last().to()).isEqualTo(PRIMARY);
        answer(200);

        assertThat(srv.asked).isEmpty();
        assertThat(again.state()).isEqualTo(RegistrationState.REGISTERED);
        assertThat(again.snapshot().backup()).contains(BACKUP);
        assertThat(kinds()).contains(Kind.CACHE_USED);
        assertThat(states()).containsExactly(RegistrationState.REGISTERING, RegistrationState.REGISTERED);
    }

    @Test
    void a_cached_primary_that_fails_is_forgotten_and_srv_is_asked_again() {
        cache.save(ALICE, new Registrars(BACKUP, Optional.empty()));
        Registration r = registration();
        r.start();
        answer(503);

        assertThat(cache.rows).doesNotContainKey(ALICE);
        assertThat(kinds()).contains(Kind.CACHE_INVALIDATED);
        assertThat(srv.asked).containsExactly("_sip._udp.example.com");
        assertThat(last().to()).isEqualTo(DIRECTOR);
        redirect(contact(PRIMARY, 0.7f), contact(BACKUP, 0.3f));
        answer(200);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
        assertThat(cache.rows.get(ALICE).primary()).isEqualTo(PRIMARY);
    }

    @Test
    void redirects_in_a_loop_are_followed_at_most_max_redirects_times() {
        maxRedirects = 2;
        Registration r = registration();
        r.start();
        for (int i = 0; i < 5 && last().to().equals(DIRECTOR) && r.state() == RegistrationState.DISCOVERING; i++) {
            redirect(contact(DIRECTOR, 1f));
        }

        assertThat(sent).hasSize(3); // the first REGISTER and two redirects followed
        assertThat(kinds()).contains(Kind.REDIRECT_LOOP);
        assertThat(r.state()).isEqualTo(RegistrationState.UNREGISTERED);
        assertThat(cache.rows).isEmpty();
    }

    @Test
    void a_301_without_usable_contacts_is_reported_and_the_next_registrar_tried() {
        configured = List.of(PRIMARY);
        Registration r = registration();
        r.start();
        redirect();

        assertThat(kinds()).contains(Kind.BAD_REDIRECT);
        assertThat(events).filteredOn(e -> e.kind() == Kind.BAD_REDIRECT).first().extracting(RegistrationEvent::detail).asString()
                .contains("names no usable registrar");
        assertThat(last().to()).isEqualTo(PRIMARY);
        answer(200);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
    }

    @Test
    void srv_with_no_records_is_reported_and_the_configured_registrars_are_used() {
        srv.records = List.of();
        configured = List.of(PRIMARY);
        Registration r = registration();
        r.start();

        assertThat(events).filteredOn(e -> e.kind() == Kind.SRV_EMPTY).singleElement().extracting(RegistrationEvent::detail).asString()
                .contains("_sip._udp.example.com has no records");
        assertThat(last().to()).isEqualTo(PRIMARY);
        answer(200);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
    }

    @Test
    void srv_with_no_records_and_nothing_configured_leaves_the_endpoint_unregistered_and_tries_again_later() {
        srv.records = List.of();
        Registration r = registration();
        r.start();

        assertThat(sent).isEmpty();
        assertThat(r.state()).isEqualTo(RegistrationState.UNREGISTERED);
        srv.records = List.of(new SrvLookup.SrvTarget(10, 0, "dir.example.com.", 5060));
        scheduler.advance(DETECTION);
        assertThat(last().to()).isEqualTo(DIRECTOR);
    }

    @Test
    void an_unreachable_backup_is_reported_and_the_endpoint_stays_with_the_primary() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        answer(503);
        scheduler.advance(DETECTION);
        assertThat(last().to()).isEqualTo(BACKUP);
        answer(503);

        assertThat(kinds()).contains(Kind.BACKUP_UNREACHABLE);
        assertThat(r.state()).isEqualTo(RegistrationState.PRIMARY_FAILING);
        assertThat(r.snapshot().registrar()).contains(PRIMARY);
        scheduler.advance(PROBE);
        assertThat(last().to()).isEqualTo(PRIMARY);
        answer(200);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
    }

    @Test
    void a_primary_named_by_a_301_that_does_not_answer_leaves_the_endpoint_on_its_backup() {
        Registration r = registration();
        r.start();
        redirect(contact(PRIMARY, 0.7f), contact(BACKUP, 0.3f));
        answer(503);
        assertThat(last().to()).isEqualTo(BACKUP);
        answer(200);

        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED_BACKUP);
        scheduler.advance(PROBE);
        assertThat(last()).extracting(Sent::method, Sent::to).containsExactly("OPTIONS", PRIMARY);
    }

    @Test
    void a_primary_without_backup_that_fails_for_the_detection_interval_sends_the_endpoint_back_to_srv() {
        configured = List.of(PRIMARY);
        srv.records = List.of();
        Registration r = registration();
        r.start();
        answer(200);
        scheduler.advance(Duration.ofSeconds(540));
        answer(503);
        srv.asked.clear();
        scheduler.advance(DETECTION);

        assertThat(kinds()).contains(Kind.CACHE_INVALIDATED);
        assertThat(srv.asked).hasSize(1);
        assertThat(r.state()).isEqualTo(RegistrationState.DISCOVERING);
    }

    @Test
    void a_late_answer_to_a_request_given_up_on_changes_nothing() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        Sent refresh = last();
        scheduler.advance(PROBE); // given up on: PRIMARY_FAILING
        RegisterSender.Verdict verdict = wire.onRegisterAnswer(refresh.id(), 200, Optional.of(EXPIRES), List.of());

        assertThat(r.state()).isEqualTo(RegistrationState.PRIMARY_FAILING);
        assertThat(verdict).as("the primary is still where the binding belongs: nothing to remove").isEqualTo(RegisterSender.Verdict.IGNORED);
    }

    /** Registered at the primary; its refresh and two retries go unanswered until the backup takes over. The requests given up on. */
    List<Sent> writtenOffOnTheWayToTheBackup() {
        registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        int from = sent.size() - 1;
        scheduler.advance(DETECTION.plus(PROBE)); // the refresh and every retry time out; then REGISTER to the backup
        assertThat(last()).extracting(Sent::method, Sent::to).containsExactly("REGISTER", BACKUP);
        return List.copyOf(sent.subList(from, sent.size() - 1));
    }

    RegisterSender.Verdict lateAnswer(Sent request, int status) {
        return wire.onRegisterAnswer(request.id(), status, Optional.of(EXPIRES), List.of());
    }

    @Test
    void a_late_success_from_the_primary_while_on_the_backup_removes_that_binding_and_changes_nothing() {
        List<Sent> givenUp = writtenOffOnTheWayToTheBackup();
        answer(200);
        assertThat(givenUp).extracting(Sent::to).containsOnly(PRIMARY).hasSizeGreaterThanOrEqualTo(3);
        int before = sent.size();

        List<RegisterSender.Verdict> verdicts = givenUp.stream().map(s -> lateAnswer(s, 200)).toList();

        assertThat(verdicts).containsOnly(RegisterSender.Verdict.REMOVE_BINDING);
        assertThat(states()).last().isEqualTo(RegistrationState.REGISTERED_BACKUP);
        assertThat(events).filteredOn(e -> e.kind() == Kind.STALE_BINDING_REMOVED).hasSize(givenUp.size())
                .first().extracting(RegistrationEvent::detail).asString().contains(PRIMARY.toString()).contains("registered with " + BACKUP);
        assertThat(sent).as("the removal is the edge's (same Call-ID); the machine sends nothing").hasSize(before);
    }

    @Test
    void a_late_success_from_the_primary_while_the_backup_is_being_asked_removes_that_binding() {
        List<Sent> givenUp = writtenOffOnTheWayToTheBackup(); // the REGISTER to the backup is not answered yet

        assertThat(lateAnswer(givenUp.get(0), 200)).isEqualTo(RegisterSender.Verdict.REMOVE_BINDING);
        answer(200);
        assertThat(states()).last().isEqualTo(RegistrationState.REGISTERED_BACKUP);
    }

    @Test
    void a_late_success_is_judged_once_and_a_late_refusal_is_ignored() {
        List<Sent> givenUp = writtenOffOnTheWayToTheBackup();
        answer(200);

        assertThat(lateAnswer(givenUp.get(0), 503)).isEqualTo(RegisterSender.Verdict.IGNORED);
        assertThat(lateAnswer(givenUp.get(1), 200)).isEqualTo(RegisterSender.Verdict.REMOVE_BINDING);
        assertThat(lateAnswer(givenUp.get(1), 200)).as("the same answer again").isEqualTo(RegisterSender.Verdict.IGNORED);
    }

    @Test
    void a_late_success_to_a_failback_given_up_on_removes_that_binding_and_the_endpoint_stays_on_the_backup() {
        Registration r = registeredAtBackup();
        for (long i = 0; i <= FALLBACK.dividedBy(PROBE); i++) {
            scheduler.advance(PROBE);
            wire.onProbeAnswer(last().id(), 200);
        }
        Sent failback = last();
        assertThat(failback).extracting(Sent::method, Sent::to).containsExactly("REGISTER", PRIMARY);
        scheduler.advance(PROBE); // unanswered: back to REGISTERED_BACKUP

        assertThat(lateAnswer(failback, 200)).isEqualTo(RegisterSender.Verdict.REMOVE_BINDING);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED_BACKUP);
        assertThat(r.snapshot().registrar()).contains(BACKUP);
    }

    @Test
    void a_late_success_from_a_backup_that_was_given_up_on_removes_that_binding() {
        Registration r = registeredAtBackup();
        scheduler.advance(Duration.ofSeconds(540));
        Sent refresh = last();
        assertThat(refresh.to()).isEqualTo(BACKUP);
        scheduler.advance(PROBE); // given up on: the backup failed, the home pool is found again

        assertThat(lateAnswer(refresh, 200)).as("registered nowhere now: the backup's binding is not wanted")
                .isEqualTo(RegisterSender.Verdict.REMOVE_BINDING);
        assertThat(r.state()).isEqualTo(RegistrationState.DISCOVERING);
    }

    @Test
    void a_late_success_after_stopping_removes_that_binding() {
        Registration r = registeredAtPrimary();
        scheduler.advance(Duration.ofSeconds(540));
        Sent refresh = last();
        r.stop();

        assertThat(lateAnswer(refresh, 200)).isEqualTo(RegisterSender.Verdict.REMOVE_BINDING);
        assertThat(r.state()).isEqualTo(RegistrationState.STOPPED);
    }

    @Test
    void the_answer_to_an_unregister_never_asks_for_a_removal() {
        Registration r = registeredAtPrimary();
        r.stop();
        Sent unregister = last();

        assertThat(wire.onRegisterAnswer(unregister.id(), 200, Optional.of(Duration.ZERO), List.of())).isEqualTo(RegisterSender.Verdict.TAKEN);
        assertThat(wire.onRegisterAnswer(unregister.id(), 200, Optional.of(Duration.ZERO), List.of())).isEqualTo(RegisterSender.Verdict.IGNORED);
    }

    @Test
    void a_late_answer_to_a_probe_given_up_on_does_not_start_the_fallback() {
        Registration r = registeredAtBackup();
        scheduler.advance(PROBE);
        Sent probe = last();
        assertThat(probe.method()).isEqualTo("OPTIONS");
        scheduler.advance(PROBE); // given up on

        wire.onProbeAnswer(probe.id(), 200);

        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED_BACKUP);
    }

    @Test
    void stopping_removes_the_binding_and_sends_nothing_more() {
        Registration r = registeredAtPrimary();
        r.stop();

        assertThat(last()).extracting(Sent::to, Sent::expires).containsExactly(PRIMARY, Duration.ZERO);
        int before = sent.size();
        scheduler.advance(Duration.ofHours(2));
        assertThat(sent).hasSize(before);
        assertThat(r.state()).isEqualTo(RegistrationState.STOPPED);
    }

    @Test
    void a_failing_cache_is_logged_and_registration_goes_on() {
        RegistrarCache failing = new RegistrarCache() {
            @Override
            public Optional<Registrars> find(Aor user) {
                throw new IllegalStateException("database down");
            }

            @Override
            public void save(Aor user, Registrars registrars) {
                throw new IllegalStateException("database down");
            }

            @Override
            public void forget(Aor user) {
                throw new IllegalStateException("database down");
            }
        };
        Registration r = registration(new RegistrarDiscovery(Optional.empty(), "", "udp", List.of(PRIMARY)), failing);
        r.start();
        answer(200);
        assertThat(r.state()).isEqualTo(RegistrationState.REGISTERED);
    }
}
