package org.switchboard.registration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.switchboard.arquillian.DeployedSwitchboard;
import org.switchboard.testing.Health;
import org.switchboard.testing.RunningSwitchboard;

/** One endpoint's registration as the running server's health JSON shows it. */
record RegistrationHealth(JsonNode entry) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A step of the registration, from the health JSON's {@code events}. */
    record Event(Instant at, String kind, String from, String to, String detail) {
    }

    static RegistrationHealth of(RunningSwitchboard server, String endpoint) throws Exception {
        return of(server.http(""), endpoint);
    }

    static RegistrationHealth of(DeployedSwitchboard server, String endpoint) throws Exception {
        return of(server.httpBaseUrl(), endpoint);
    }

    /** From the health detail of the application at {@code base} (the configuration needs the test operator's login). */
    private static RegistrationHealth of(URI base, String endpoint) throws Exception {
        for (JsonNode entry : Health.detail(base).path("registrations")) {
            if (entry.path("endpoint").asText().equals(endpoint)) {
                return new RegistrationHealth(entry);
            }
        }
        return new RegistrationHealth(JSON.createObjectNode());
    }

    /** Polls the health JSON (every 100 ms, at most {@code timeout}) until {@code condition} holds. */
    static RegistrationHealth await(RunningSwitchboard server, String endpoint, Duration timeout, Predicate<RegistrationHealth> condition)
            throws Exception {
        return await(() -> of(server, endpoint), server::stderr, endpoint, timeout, condition);
    }

    /** The same for a Switchboard deployed through Arquillian. */
    static RegistrationHealth await(DeployedSwitchboard server, String endpoint, Duration timeout, Predicate<RegistrationHealth> condition)
            throws Exception {
        return await(() -> of(server, endpoint), server::log, endpoint, timeout, condition);
    }

    /** A read that may fail. */
    @FunctionalInterface
    private interface Read<T> {
        T get() throws Exception;
    }

    private static RegistrationHealth await(Read<RegistrationHealth> read, Read<String> log, String endpoint, Duration timeout,
            Predicate<RegistrationHealth> condition) throws Exception {
        RegistrationHealth last = null;
        for (long i = 0; i < timeout.toMillis() / 100; i++) {
            last = read.get();
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the registration of " + endpoint + " never met the condition within " + timeout + "; last: " + last
                + "\nserver log:\n" + log.get());
    }

    String state() {
        return entry.path("state").asText();
    }

    String registrar() {
        return entry.path("registrar").asText(null);
    }

    String primary() {
        return entry.path("primary").asText(null);
    }

    String backup() {
        return entry.path("backup").asText(null);
    }

    List<Event> events() {
        List<Event> events = new ArrayList<>();
        for (JsonNode e : entry.path("events")) {
            events.add(new Event(Instant.parse(e.path("at").asText()), e.path("kind").asText(), e.path("from").asText(), e.path("to").asText(),
                    e.path("detail").asText()));
        }
        return events;
    }

    boolean hasEvent(String kind) {
        return events().stream().anyMatch(e -> e.kind().equals(kind));
    }

    /** When the registration last entered {@code state}. */
    Instant entered(String state) {
        return events().stream().filter(e -> e.kind().equals("STATE_CHANGED") && e.to().equals(state)).reduce((a, b) -> b)
                .map(Event::at).orElseThrow(() -> new AssertionError("never entered " + state + ": " + this));
    }

    boolean is(String state, String registrar) {
        return state.equals(state()) && registrar.equals(registrar());
    }

    @Override
    public String toString() {
        return entry.toString();
    }
}
