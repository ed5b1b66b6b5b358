package org.switchboard.registration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.endpoint.Aor;
import org.switchboard.endpoint.SipUri;
import org.switchboard.timing.Scheduler;

/**
 * One endpoint's registration with its home pool (PRODUCT.md §G) in plain Java: the cached primary first,
 * else discovery (SRV, the configured list, 301s); refreshes before expiry; failover to the backup when the
 * primary has failed for the failure-detection interval; probes of the primary and failback once it has
 * answered for the fallback interval. Answers come in through the {@link RegisterSender.Wire}; every state
 * change happens in {@link #moveTo} and every step is raised through {@link #raise}, both logged.
 *
 * <p>One endpoint's events are handled one at a time, in order, on its {@code work} executor (answers and timers
 * hand their work to it; the DNS lookup of discovery is a task of its own, run without the monitor). A request is
 * given up on (as a 408) when no answer came within the probe interval, so a silent registrar over UDP is
 * found without waiting for the SIP stack's 32 s transaction timeout. The stack goes on retransmitting it
 * meanwhile, so a registrar that comes back may still accept it: such a late 2xx is never taken as success,
 * and when it comes from a registrar the endpoint is neither registered nor registering with, the binding
 * it made is removed at once ({@link RegisterSender.Verdict#REMOVE_BINDING}).
 */
public final class Registration {

    private static final Logger LOG = LoggerFactory.getLogger(Registration.class);

    private final String endpoint;
    private final Aor user;
    private final RegistrationPolicy policy;
    private final RegistrarDiscovery discovery;
    private final RegistrarCache cache;
    private final RegistrationListener listener;
    private final Scheduler scheduler;
    private final Clock clock;
    private final RegisterSender sender;
    /**
     * Where this registration's events are handled, one at a time and in order: answers and timers hand their
     * work over to it, so neither a SIP thread nor the timer thread shared by every endpoint waits on a DNS lookup
     * or a database write of this one (a {@link org.switchboard.timing.SerialExecutor} in production).
     */
    private final Executor work;
    /** Counts discoveries, so that the answer of a lookup overtaken by events (a stop, another discovery) is dropped. */
    private long discoveryRound;

    private RegistrationState state = RegistrationState.IDLE;
    private Instant since;
    /** The user's primary and backup, once known. */
    private Registrars registrars;
    /** Where the binding lives now (or last lived), if anywhere. */
    private SipUri registeredAt;
    /** Discovery: the servers to try and the next one's index; the registrars the last 301 named; 301s in a row. */
    private List<SipUri> servers = List.of();
    private int nextServer;
    private Registrars offered;
    private int redirects;
    /** When the primary's current run of failures began; when it began answering probes again. */
    private Instant failingSince;
    private Instant answeringSince;

    private long requestSeq;
    private Pending pendingRegister;
    /**
     * Where each REGISTER that asks for a binding went, until its final answer arrives (given up on or not:
     * the stack may still deliver it). Bounded: the stack ends a transaction after 32 s, so with a probe
     * interval of 1 s or more far fewer are ever outstanding.
     */
    private final Map<Long, SipUri> unanswered = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, SipUri> eldest) {
            return size() > 64;
        }
    };
    private long pendingProbe = -1;
    private Scheduler.Cancellable timer;
    private Scheduler.Cancellable registerDeadline;
    private Scheduler.Cancellable probeTimer;
    private Scheduler.Cancellable probeDeadline;
    private Scheduler.Cancellable detectionTimer;

    /** Why a REGISTER was sent, which decides what its answer means. */
    private enum Purpose { CACHED, DISCOVER, DISCOVER_BACKUP, REFRESH_PRIMARY, TO_BACKUP, REFRESH_BACKUP, FAILBACK, UNREGISTER }

    private record Pending(long id, Purpose purpose, SipUri target) {
    }

    /** Every event handled on the calling thread: for tests on a manual clock. */
    public Registration(String endpoint, Aor user, RegistrationPolicy policy, RegistrarDiscovery discovery, RegistrarCache cache,
            RegistrationListener listener, Scheduler scheduler, Clock clock, Function<RegisterSender.Wire, RegisterSender> senderFor) {
        this(endpoint, user, policy, discovery, cache, listener, scheduler, clock, Runnable::run, senderFor);
    }

    /** {@code senderFor} builds the SIP edge, given where its answers go; {@code work} handles events one at a time. */
    public Registration(String endpoint, Aor user, RegistrationPolicy policy, RegistrarDiscovery discovery, RegistrarCache cache,
            RegistrationListener listener, Scheduler scheduler, Clock clock, Executor work,
            Function<RegisterSender.Wire, RegisterSender> senderFor) {
        this.work = work;
        this.endpoint = endpoint;
        this.user = user;
        this.policy = policy;
        this.discovery = discovery;
        this.cache = cache;
        this.listener = listener;
        this.scheduler = scheduler;
        this.clock = clock;
        this.since = clock.instant();
        this.sender = senderFor.apply(new RegisterSender.Wire() {
            @Override
            public RegisterSender.Verdict onRegisterAnswer(long requestId, int status, Optional<Duration> expires,
                    List<ContactChoice> contacts) {
                return answerArrived(requestId, status, expires, contacts);
            }

            @Override
            public void onProbeAnswer(long requestId, int status) {
                work.execute(() -> probeAnswered(requestId, status));
            }
        });
    }

    public String endpoint() {
        return endpoint;
    }

    public Aor user() {
        return user;
    }

    public synchronized RegistrationState state() {
        return state;
    }

    /** What an operator sees of this registration now. */
    public synchronized RegistrationSnapshot snapshot() {
        return new RegistrationSnapshot(endpoint, user, state, since, Optional.ofNullable(registeredAt),
                Optional.ofNullable(registrars).map(Registrars::primary), Optional.ofNullable(registrars).flatMap(Registrars::backup));
    }

    /** Signs in: with the cached primary when there is one, else through discovery (handed to {@link #work}). */
    public void start() {
        work.execute(this::startNow);
    }

    private synchronized void startNow() {
        if (state != RegistrationState.IDLE) {
            return;
        }
        Optional<Registrars> cached = cached();
        if (cached.isPresent()) {
            registrars = cached.get();
            raise(RegistrationEvent.Kind.CACHE_USED, "cached " + registrars);
            moveTo(RegistrationState.REGISTERING, "signing in with the cached primary " + registrars.primary());
            sendRegister(registrars.primary(), Purpose.CACHED);
        } else {
            discover("signing in");
        }
    }

    /** Stops with the platform: the binding is removed (Expires: 0), nothing more is sent. */
    public synchronized void stop() {
        if (state == RegistrationState.STOPPED) {
            return;
        }
        cancelAll();
        SipUri at = registeredAt;
        moveTo(RegistrationState.STOPPED, "stopped");
        if (at != null) {
            long id = ++requestSeq;
            pendingRegister = new Pending(id, Purpose.UNREGISTER, at);
            sender.register(at, Duration.ZERO, id);
        }
    }

    /**
     * Another pool member holds this registration now (this one lost its lease): stop at once, without a REGISTER —
     * an unregister would remove the binding the new owner made.
     */
    public synchronized void abandon() {
        if (state == RegistrationState.STOPPED) {
            return;
        }
        cancelAll();
        moveTo(RegistrationState.STOPPED, "owned by another pool member now");
    }

    // ---- discovery --------------------------------------------------------------------------------------

    private void discover(String why) {
        cancelAll();
        registeredAt = null;
        moveTo(RegistrationState.DISCOVERING, why);
        long round = ++discoveryRound;
        // The lookup (DNS, up to its timeout) runs as a task of its own, after this one has released the monitor:
        // an operator reading the state, or the stop of the platform, never waits for it.
        work.execute(() -> discovered(round, discovery.find()));
    }

    private synchronized void discovered(long round, RegistrarDiscovery.Found found) {
        if (round != discoveryRound || state != RegistrationState.DISCOVERING) {
            return; // overtaken while the lookup ran (stopped, or discovering anew)
        }
        found.problem().ifPresent(problem -> raise(RegistrationEvent.Kind.SRV_EMPTY, problem
                + (found.servers().isEmpty() ? "" : "; trying the configured registrars")));
        servers = found.servers();
        nextServer = 0;
        tryNextServer();
    }

    private void tryNextServer() {
        offered = null;
        redirects = 0;
        if (nextServer >= servers.size()) {
            Duration wait = policy.failureDetection();
            moveTo(RegistrationState.UNREGISTERED, (servers.isEmpty() ? "no registrar to try" : "no registrar accepted the registration")
                    + ", finding the home pool again in " + wait.toSeconds() + " s");
            timer = later(wait, () -> retryDiscovery(wait));
            return;
        }
        sendRegister(servers.get(nextServer++), Purpose.DISCOVER);
    }

    private synchronized void retryDiscovery(Duration waited) {
        timer = null;
        if (state == RegistrationState.UNREGISTERED) {
            discover("retrying after " + waited.toSeconds() + " s");
        }
    }

    private void redirected(SipUri from, List<ContactChoice> contacts) {
        redirects++;
        if (redirects > policy.maxRedirects()) {
            raise(RegistrationEvent.Kind.REDIRECT_LOOP, "more than " + policy.maxRedirects() + " redirects in a row (the last from "
                    + from + "); giving up on this chain");
            tryNextServer();
            return;
        }
        Optional<Registrars> named = Redirects.registrarsFrom(contacts);
        if (named.isEmpty()) {
            raise(RegistrationEvent.Kind.BAD_REDIRECT, "301 from " + from + " names no usable registrar (" + contacts.size()
                    + " SIP Contact" + (contacts.size() == 1 ? "" : "s") + "); trying the next registrar");
            tryNextServer();
            return;
        }
        offered = named.get();
        raise(RegistrationEvent.Kind.REDIRECTED, "301 from " + from + ": " + offered);
        sendRegister(offered.primary(), Purpose.DISCOVER);
    }

    // ---- answers to REGISTER ----------------------------------------------------------------------------

    /** A final answer from the wire: the one awaited is acted on; a late one is judged by {@link #bindingWantedAt}. */
    private synchronized RegisterSender.Verdict answerArrived(long requestId, int status, Optional<Duration> expires,
            List<ContactChoice> contacts) {
        SipUri sentTo = unanswered.remove(requestId);
        if (pendingRegister != null && pendingRegister.id() == requestId) {
            work.execute(() -> registerAnswered(requestId, status, expires, contacts));
            return RegisterSender.Verdict.TAKEN;
        }
        if (sentTo == null || status < 200 || status >= 300 || bindingWantedAt(sentTo)) {
            return RegisterSender.Verdict.IGNORED;
        }
        raise(RegistrationEvent.Kind.STALE_BINDING_REMOVED, sentTo + " accepted (" + status + ") a REGISTER given up on, while "
                + (registeredAt == null ? "registered nowhere" : "registered with " + registeredAt) + "; removing that binding (Expires: 0)");
        return RegisterSender.Verdict.REMOVE_BINDING;
    }

    /**
     * Whether a binding at {@code registrar} is one the endpoint holds or is making now, so that a late 2xx from
     * it adds nothing the endpoint would not hold anyway. Not so once stopped, nor for the primary while the
     * endpoint is moving to the backup: nothing else would remove that binding before it expires.
     */
    private boolean bindingWantedAt(SipUri registrar) {
        if (state == RegistrationState.STOPPED) {
            return false;
        }
        Pending now = pendingRegister;
        if (now != null && now.purpose() != Purpose.UNREGISTER && now.target().equals(registrar)) {
            return true;
        }
        boolean leaving = now != null && now.purpose() == Purpose.TO_BACKUP;
        return registrar.equals(registeredAt) && !leaving;
    }

    private synchronized void registerAnswered(long requestId, int status, Optional<Duration> expires, List<ContactChoice> contacts) {
        Pending pending = pendingRegister;
        if (pending == null || pending.id() != requestId) {
            return; // an answer to a request we have moved on from (or gave up on)
        }
        pendingRegister = null;
        cancel(registerDeadline);
        registerDeadline = null;
        boolean ok = status >= 200 && status < 300;
        Duration granted = expires.filter(e -> !e.isZero()).orElse(policy.expires());
        SipUri target = pending.target();
        String answer = describe(status);
        switch (pending.purpose()) {
            case UNREGISTER -> { }
            case CACHED -> {
                if (ok) {
                    registeredWithPrimary(target, granted, "accepted " + status + " by the cached primary");
                } else {
                    raise(RegistrationEvent.Kind.CACHE_INVALIDATED, "the cached primary " + target + " answered " + answer
                            + "; finding the home pool again");
                    forgetCached();
                    discover("cached primary failed");
                }
            }
            case DISCOVER -> {
                if (ok) {
                    registrars = offered != null && offered.primary().equals(target) ? offered : Registrars.primaryOnly(target);
                    saveCached(registrars);
                    registeredWithPrimary(target, granted, "accepted " + status + " by " + target);
                } else if (status == 301) {
                    redirected(target, contacts);
                } else {
                    raise(RegistrationEvent.Kind.REGISTRAR_FAILED, target + " answered " + answer);
                    if (offered != null && offered.primary().equals(target) && offered.backup().isPresent()) {
                        sendRegister(offered.backup().get(), Purpose.DISCOVER_BACKUP);
                    } else {
                        tryNextServer();
                    }
                }
            }
            case DISCOVER_BACKUP -> {
                if (ok) {
                    registrars = offered;
                    saveCached(registrars);
                    registeredWithBackup(target, granted, "the primary " + registrars.primary() + " failed; accepted " + status
                            + " by the backup");
                } else {
                    raise(RegistrationEvent.Kind.BACKUP_UNREACHABLE, "the backup " + target + " answered " + answer);
                    tryNextServer();
                }
            }
            case REFRESH_PRIMARY -> {
                if (ok) {
                    if (state == RegistrationState.PRIMARY_FAILING) {
                        registeredWithPrimary(target, granted, "the primary answers again (" + status + ")");
                    } else {
                        scheduleRefresh(granted);
                    }
                } else {
                    primaryFailed(answer);
                }
            }
            case TO_BACKUP -> {
                if (ok) {
                    registeredWithBackup(target, granted, "the primary failed for " + policy.failureDetection().toSeconds()
                            + " s; accepted " + status + " by the backup");
                } else {
                    raise(RegistrationEvent.Kind.BACKUP_UNREACHABLE, "the backup " + target + " answered " + answer
                            + "; staying with the primary " + registrars.primary());
                    startFailureRun();
                    scheduleRetryOfPrimary();
                }
            }
            case REFRESH_BACKUP -> {
                if (ok) {
                    scheduleRefresh(granted);
                } else {
                    raise(RegistrationEvent.Kind.BACKUP_UNREACHABLE, "the backup " + target + " answered " + answer + " to a refresh");
                    forgetCached();
                    discover("the backup failed too");
                }
            }
            case FAILBACK -> {
                if (ok) {
                    SipUri backup = registeredAt;
                    registeredWithPrimary(target, granted, "failed back: the primary answered for "
                            + policy.fallback().toSeconds() + " s and accepted " + status);
                    if (backup != null && !backup.equals(target)) {
                        sender.register(backup, Duration.ZERO, ++requestSeq); // leave the backup; nothing waits for its answer
                    }
                } else {
                    answeringSince = null;
                    moveTo(RegistrationState.REGISTERED_BACKUP, "the primary refused the failback REGISTER (" + answer + ")");
                    scheduleProbe();
                }
            }
            default -> throw new IllegalStateException("unhandled " + pending.purpose());
        }
    }

    private void registeredWithPrimary(SipUri at, Duration granted, String why) {
        cancelAll();
        registeredAt = at;
        failingSince = null;
        answeringSince = null;
        moveTo(RegistrationState.REGISTERED, why);
        scheduleRefresh(granted);
    }

    private void registeredWithBackup(SipUri at, Duration granted, String why) {
        cancelAll();
        registeredAt = at;
        answeringSince = null;
        moveTo(RegistrationState.REGISTERED_BACKUP, why);
        scheduleRefresh(granted);
        scheduleProbe();
    }

    /** The primary refused or did not answer a refresh or a retry. */
    private void primaryFailed(String answer) {
        if (state != RegistrationState.PRIMARY_FAILING) {
            moveTo(RegistrationState.PRIMARY_FAILING, "the primary " + registrars.primary() + " answered " + answer
                    + "; the backup follows after " + policy.failureDetection().toSeconds() + " s of failures");
            startFailureRun();
        }
        scheduleRetryOfPrimary();
    }

    private void startFailureRun() {
        failingSince = clock.instant();
        cancel(detectionTimer);
        detectionTimer = later(policy.failureDetection(), this::failureDetected);
    }

    /** The primary has failed for the whole detection interval: the backup, or (with none) the home pool found again. */
    private synchronized void failureDetected() {
        detectionTimer = null;
        if (state != RegistrationState.PRIMARY_FAILING) {
            return;
        }
        cancel(timer);
        timer = null;
        Optional<SipUri> backup = registrars.backup();
        if (backup.isPresent()) {
            LOG.info("Registration {}: the primary {} failed for {} s; registering with the backup {}", endpoint, registrars.primary(),
                    policy.failureDetection().toSeconds(), backup.get());
            sendRegister(backup.get(), Purpose.TO_BACKUP);
        } else {
            raise(RegistrationEvent.Kind.CACHE_INVALIDATED, "the primary " + registrars.primary() + " failed for "
                    + policy.failureDetection().toSeconds() + " s and there is no backup; finding the home pool again");
            forgetCached();
            discover("primary failed, no backup");
        }
    }

    private void scheduleRetryOfPrimary() {
        cancel(timer);
        timer = later(policy.probeInterval(), this::retryPrimary);
    }

    private synchronized void retryPrimary() {
        timer = null;
        if (state == RegistrationState.PRIMARY_FAILING && pendingRegister == null) {
            sendRegister(registrars.primary(), Purpose.REFRESH_PRIMARY);
        }
    }

    private void scheduleRefresh(Duration granted) {
        cancel(timer);
        timer = later(policy.refreshAfter(granted), this::refreshNow);
    }

    private synchronized void refreshNow() {
        timer = null;
        if (registeredAt == null) {
            return;
        }
        if (pendingRegister != null) { // a failback or retry is under way: refresh once it is answered
            timer = later(policy.probeInterval(), this::refreshNow);
            return;
        }
        if (state == RegistrationState.REGISTERED) {
            sendRegister(registeredAt, Purpose.REFRESH_PRIMARY);
        } else if (state == RegistrationState.REGISTERED_BACKUP || state == RegistrationState.FALLING_BACK) {
            sendRegister(registeredAt, Purpose.REFRESH_BACKUP);
        }
    }

    // ---- probes of the primary while on the backup ------------------------------------------------------

    private void scheduleProbe() {
        cancel(probeTimer);
        probeTimer = later(policy.probeInterval(), this::probeNow);
    }

    private synchronized void probeNow() {
        probeTimer = null;
        if ((state == RegistrationState.REGISTERED_BACKUP || state == RegistrationState.FALLING_BACK) && pendingProbe < 0) {
            long id = ++requestSeq;
            pendingProbe = id;
            probeDeadline = later(policy.probeInterval(), () -> probeAnswered(id, 408));
            sender.probe(registrars.primary(), id);
        }
    }

    private synchronized void probeAnswered(long requestId, int status) {
        if (requestId != pendingProbe) {
            return;
        }
        pendingProbe = -1;
        cancel(probeDeadline);
        probeDeadline = null;
        if (state != RegistrationState.REGISTERED_BACKUP && state != RegistrationState.FALLING_BACK) {
            return;
        }
        if (!answers(status)) {
            if (state == RegistrationState.FALLING_BACK) {
                answeringSince = null;
                moveTo(RegistrationState.REGISTERED_BACKUP, "the primary stopped answering probes (" + describe(status) + ")");
            }
            scheduleProbe();
            return;
        }
        Instant now = clock.instant();
        if (answeringSince == null) {
            answeringSince = now;
            moveTo(RegistrationState.FALLING_BACK, "the primary " + registrars.primary() + " answers probes (" + status
                    + "); failing back after " + policy.fallback().toSeconds() + " s");
        }
        if (Duration.between(answeringSince, now).compareTo(policy.fallback()) >= 0) {
            if (pendingRegister == null) {
                sendRegister(registrars.primary(), Purpose.FAILBACK); // the backup's refresh timer runs on until it succeeds
            } else {
                scheduleProbe();
            }
        } else {
            scheduleProbe();
        }
    }

    /** A timer whose task is handed to {@link #work}: the timer thread, shared by every endpoint, never waits. */
    private Scheduler.Cancellable later(Duration delay, Runnable task) {
        return scheduler.schedule(delay, () -> work.execute(task));
    }

    // ---- the one place that sends, the one place that changes state ------------------------------------

    private void sendRegister(SipUri target, Purpose purpose) {
        long id = ++requestSeq;
        pendingRegister = new Pending(id, purpose, target);
        unanswered.put(id, target);
        cancel(registerDeadline);
        // Before sending: a send that fails at once answers (503) on this thread, inside this call.
        registerDeadline = later(policy.probeInterval(), () -> registerAnswered(id, 408, Optional.empty(), List.of()));
        sender.register(target, policy.expires(), id);
    }

    private void moveTo(RegistrationState to, String reason) {
        RegistrationState from = state;
        state = to;
        since = clock.instant();
        RegistrationEvent event = new RegistrationEvent(endpoint, user, RegistrationEvent.Kind.STATE_CHANGED, from, to, reason, since);
        LOG.info("Registration {}", event);
        listener.onEvent(event);
    }

    private void raise(RegistrationEvent.Kind kind, String detail) {
        RegistrationEvent event = new RegistrationEvent(endpoint, user, kind, state, state, detail, clock.instant());
        if (kind == RegistrationEvent.Kind.CACHE_USED || kind == RegistrationEvent.Kind.REDIRECTED) {
            LOG.info("Registration {}", event);
        } else {
            LOG.warn("Registration {}", event);
        }
        listener.onEvent(event);
    }

    // ---- the cache: a failing cache is logged and otherwise ignored -------------------------------------

    private Optional<Registrars> cached() {
        try {
            return cache.find(user);
        } catch (RuntimeException e) {
            LOG.warn("Registration {}: cannot read the registrar cache: {}", endpoint, e.toString());
            return Optional.empty();
        }
    }

    private void saveCached(Registrars value) {
        try {
            cache.save(user, value);
        } catch (RuntimeException e) {
            LOG.warn("Registration {}: cannot write the registrar cache: {}", endpoint, e.toString());
        }
    }

    private void forgetCached() {
        try {
            cache.forget(user);
        } catch (RuntimeException e) {
            LOG.warn("Registration {}: cannot clear the registrar cache: {}", endpoint, e.toString());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** Timeouts and 503 (also what a refused connection reads as) are "not answering"; any other answer is one. */
    private static boolean answers(int status) {
        return status != 408 && status != 503;
    }

    private static String describe(int status) {
        return status == 408 ? "408 (no answer)" : String.valueOf(status);
    }

    private void cancelAll() {
        for (Scheduler.Cancellable c : new ArrayList<>(java.util.Arrays.asList(timer, registerDeadline, probeTimer, probeDeadline,
                detectionTimer))) {
            cancel(c);
        }
        timer = null;
        registerDeadline = null;
        probeTimer = null;
        probeDeadline = null;
        detectionTimer = null;
        pendingRegister = null;
        pendingProbe = -1;
    }

    private static void cancel(Scheduler.Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }
}
