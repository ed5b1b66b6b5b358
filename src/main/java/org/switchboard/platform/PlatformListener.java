package org.switchboard.platform;

import java.nio.file.Path;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collections;
import javax.servlet.ServletContext;
import javax.servlet.ServletContextEvent;
import javax.servlet.ServletContextListener;
import javax.servlet.sip.SipFactory;
import javax.servlet.sip.SipServlet;
import javax.servlet.sip.SipServletContextEvent;
import javax.servlet.sip.SipServletListener;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.switchboard.dispatch.EndpointHost;
import org.slf4j.Logger;
import org.switchboard.config.TlsKeystores;
import org.switchboard.tls.CertificateExpiry;
import org.slf4j.LoggerFactory;
import org.switchboard.Version;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.metrics.SwitchboardMetrics;
import org.switchboard.presence.OrderedPresenceStore;
import org.switchboard.presence.PresenceDocuments;
import org.switchboard.presence.PresenceStore;
import org.switchboard.admin.ConsoleGate;
import org.switchboard.admin.PlatformAdmin;
import javax.management.JMException;
import org.switchboard.config.PersistenceSettings;
import org.switchboard.subscription.Direction;
import org.switchboard.subscription.PersistentSubscriptions;
import org.switchboard.subscription.Recovery;
import org.switchboard.subscription.RecoveryHandler;
import org.switchboard.subscription.SubscriptionRepository;
import java.util.Map;
import java.util.Optional;
import org.switchboard.timing.ExecutorScheduler;
import org.switchboard.presence.view.PresenceViews;
import org.switchboard.presence.view.RefreshPacer;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.switchboard.store.Database;
import org.switchboard.store.InstanceIdentity;
import org.switchboard.store.StorageException;
import org.switchboard.config.PoolSettings;
import org.switchboard.config.RegistrationSettings;
import org.switchboard.config.RunnerContract;
import org.switchboard.pool.LeaseKey;
import org.switchboard.pool.Ownership;
import org.switchboard.pool.PoolException;
import org.switchboard.pool.PoolMember;
import org.switchboard.pool.PoolTimings;
import org.switchboard.endpoint.SipUri;
import org.switchboard.registration.Director;
import org.switchboard.registration.DnsSrvLookup;
import org.switchboard.registration.RegistrarCache;
import org.switchboard.registration.RegistrarDiscovery;
import org.switchboard.registration.RegistrationPolicy;
import org.switchboard.registration.Registrations;
import org.switchboard.registration.SrvLookup;

/**
 * Starts and stops the application inside its container: configuration, then storage. Declared
 * in sip.xml, so the container runs it before the SIP servlets start.
 */
public final class PlatformListener implements ServletContextListener, SipServletListener {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformListener.class);
    /** Registration workers: DNS lookups of several endpoints at once, each endpoint's work in order. */
    private static final int REGISTRATION_WORKERS = 4;
    /** Threads on which presence views' listeners are called (each target's events in order). */
    private static final int PRESENCE_DELIVERY_THREADS = 4;

    /** The platform's MBean while the application runs. */
    private volatile PlatformAdmin admin;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ConfigSource source = ConfigSource.of(context);
        SwitchboardConfig config;
        try {
            config = new ConfigLoader().load(source.file(), source.overrides());
        } catch (ConfigException e) {
            LOG.error(e.getMessage());
            context.setAttribute(ConfigException.CONTEXT_ATTRIBUTE, e.getMessage());
            throw e;
        }
        Path dataDir = Path.of(config.storage().dataDir()).toAbsolutePath();
        Database database;
        try {
            database = Database.open(config.storage().database(), dataDir);
        } catch (StorageException e) {
            LOG.error(e.getMessage());
            throw e;
        }
        Clock clock = Clock.systemUTC();
        InstanceIdentity identity;
        try {
            identity = database.recordStart(clock, dataDir);
        } catch (StorageException e) {
            LOG.error(e.getMessage());
            database.close();
            throw e;
        }
        // After a failure the presence store leaves the database alone as long as the subscriptions' breaker does,
        // then probes it on a short-lived thread of its own.
        // One parser for the store and the views, so that a refused body is counted once wherever it is refused.
        PresenceDocuments documents = new PresenceDocuments(config.presence().maxDocumentChars());
        OrderedPresenceStore presence = new OrderedPresenceStore(database.presenceRepository(clock), documents,
                config.topology().applicationPool(), clock,
                Duration.ofSeconds(config.persistence().breakerOpenSeconds()),
                probe -> DaemonThreads.named("presence-store-probe").newThread(probe).start(),
                Duration.ofSeconds(config.presence().forgetIdleSeconds()));
        CdiEndpointBeans beans = null;
        ScheduledExecutorService poolTimers = null;
        PoolMember poolMember = null;
        ScheduledExecutorService viewTimers = null;
        ExecutorService viewDelivery = null;
        ScheduledExecutorService persistenceTimers = null;
        PersistentSubscriptions subscriptions = null;
        Recovery recovery = null;
        PresenceViews views = null;
        BridgeRuntime bridge = null;
        ScheduledExecutorService registrationTimers = null;
        ExecutorService registrationWorkers = null;
        ScheduledExecutorService answerTimers = null;
        Registrations registrations;
        EndpointHost endpoints;
        ScheduledExecutorService housekeeping;
        Optional<CertificateExpiry> tlsCertificate = Optional.empty();
        try {
            beans = CdiEndpointBeans.start("switchboard" + context.getContextPath().replace('/', '-'));
            SipFactory sipFactory = (SipFactory) context.getAttribute(SipServlet.SIP_FACTORY);
            if (sipFactory == null) {
                throw new IllegalStateException("the container gave no SIP factory: is this a SIP servlet container?");
            }
            Ownership ownership = Ownership.everything();
            if (config.pool().enabled()) {
                poolTimers = DaemonThreads.timer("switchboard-pool");
                poolMember = poolMember(config, identity, database, clock, new ExecutorScheduler(poolTimers));
                ownership = poolMember;
            }
            viewTimers = DaemonThreads.timer("switchboard-presence-views");
            ExecutorScheduler scheduler = new ExecutorScheduler(viewTimers);
            // Views' listeners (the presence store's database write among them) run on these, each target's in order:
            // the SIP thread that handles a NOTIFY answers it without waiting for them.
            viewDelivery = DaemonThreads.workers("switchboard-presence-delivery", PRESENCE_DELIVERY_THREADS);
            views = new PresenceViews(Tunables.viewPolicy(config.presence().views()), scheduler,
                    new RefreshPacer(scheduler, clock, config.presence().views().bulkSubscribesPerSecond(), false),
                    documents, clock, ThreadLocalRandom.current()::nextDouble, viewDelivery, ownership);
            persistenceTimers = DaemonThreads.timer("switchboard-persistence");
            ExecutorScheduler persistenceScheduler = new ExecutorScheduler(persistenceTimers);
            PersistenceSettings persistence = config.persistence();
            Optional<SubscriptionRepository> repository = persistence.enabled()
                    ? Optional.of(database.subscriptionRepository()) : Optional.empty();
            subscriptions = new PersistentSubscriptions(repository, persistenceScheduler, clock, persistence.retryAttempts(),
                    Duration.ofMillis(persistence.retryBackoffMillis()), Duration.ofSeconds(persistence.breakerOpenSeconds()));
            // One timer thread that only hands work over, and a few workers for the work itself (DNS lookups, the
            // registrar cache in the database): one endpoint's slow lookup holds up no other endpoint's refresh.
            registrationTimers = DaemonThreads.timer("switchboard-registration");
            registrationWorkers = DaemonThreads.workers("switchboard-registration-work", REGISTRATION_WORKERS);
            registrations = registrations(config.registration(), database.registrarCache(clock), new ExecutorScheduler(registrationTimers),
                    clock, registrationWorkers, ownership);
            // a thread of its own: a bean's callbacks run on it when a fallback timeout fires
            answerTimers = DaemonThreads.timer("switchboard-answer-timeouts");
            endpoints = EndpointHost.start(source.file(), config, beans, sipFactory, clock, presence, views, registrations,
                    new ExecutorScheduler(answerTimers));
            LeaseKey bridgeLease = new LeaseKey(LeaseKey.Kind.BRIDGE, config.bridge().componentDomain());
            if (config.bridge().enabled()) {
                PoolMember pooled = poolMember;
                bridge = BridgeRuntime.create(config, endpoints, subscriptions, presence, clock,
                        pooled == null ? Optional::empty : () -> pooled.ownerAddress(bridgeLease), pooled != null);
            }
            // Outgoing subscriptions are re-established by the bridge; incoming ones can only be renewed by the SIP
            // side, so they are kept as they were. Without a bridge, records wait as they are for one.
            if (repository.isPresent()) {
                BridgeRuntime running = bridge;
                Map<Direction, RecoveryHandler> handlers = bridge == null ? Map.of()
                        : Map.of(Direction.OUTGOING_SIP, running::recoverOutgoing, Direction.INCOMING_SIP, running::recoverIncoming);
                recovery = new Recovery(repository.get(), subscriptions, handlers, persistence.recoveryBatchSize(),
                        Duration.ofSeconds(persistence.recoveryBatchIntervalSeconds()), persistenceScheduler, clock);
                if (bridge != null) {
                    bridge.useRecovery(recovery);
                }
            }
            if (bridge != null) {
                // On one instance the bridge runs from now on; in a pool, on the member holding its lease (a new one
                // recovers the bridged subscriptions when it takes the lease).
                if (poolMember == null) {
                    bridge.acquired();
                } else {
                    poolMember.want(bridgeLease, bridge);
                }
            }
            housekeeping = DaemonThreads.timer("switchboard-housekeeping");
            housekeeping.scheduleWithFixedDelay(endpoints::purgeIdleConversations, 1, 1, TimeUnit.MINUTES);
            housekeeping.scheduleWithFixedDelay(presence::forgetIdle, 1, 1, TimeUnit.MINUTES);
            housekeeping.scheduleWithFixedDelay(presence::retryHeldBack, 1, 1, TimeUnit.SECONDS);
            if (bridge != null) {
                housekeeping.scheduleWithFixedDelay(bridge::purgeEndedCooldowns, 1, 1, TimeUnit.MINUTES);
            }
            tlsCertificate = tlsCertificate(source, config, clock, new ExecutorScheduler(housekeeping));
            if (poolMember != null) {
                // every registration and view target is wanted by now: take this member's share, then keep renewing
                poolMember.join(wait -> Thread.sleep(wait.toMillis()));
                poolMember.start();
                PoolMember draining = poolMember;
                // the runner marks the context when it drains on SIGTERM: hand every lease over then, before the stop
                poolTimers.scheduleWithFixedDelay(() -> {
                    if (Boolean.TRUE.equals(context.getAttribute(RunnerContract.DRAINING_ATTRIBUTE))) {
                        draining.drain();
                    }
                }, 250, 250, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            LOG.error(e instanceof ConfigException || e instanceof PoolException ? e.getMessage() : "Cannot start the endpoints: " + e);
            if (e instanceof ConfigException) {
                context.setAttribute(ConfigException.CONTEXT_ATTRIBUTE, e.getMessage());
            }
            Closing.quietly(bridge);
            Closing.quietly(views);
            if (poolTimers != null) {
                poolTimers.shutdownNow();
            }
            if (viewTimers != null) {
                viewTimers.shutdownNow();
            }
            if (viewDelivery != null) {
                viewDelivery.shutdownNow();
            }
            if (persistenceTimers != null) {
                persistenceTimers.shutdownNow();
            }
            if (registrationTimers != null) {
                registrationTimers.shutdownNow();
            }
            if (registrationWorkers != null) {
                registrationWorkers.shutdownNow();
            }
            if (answerTimers != null) {
                answerTimers.shutdownNow();
            }
            Closing.quietly(beans);
            database.close();
            throw e;
        }
        ExecutorService stoppable = housekeeping;
        ExecutorService stoppableViewTimers = viewTimers;
        ExecutorService stoppableViewDelivery = viewDelivery;
        ExecutorService stoppablePersistence = persistenceTimers;
        PersistentSubscriptions flushedAtStop = subscriptions;
        ExecutorService stoppableRegistrationTimers = registrationTimers;
        ExecutorService stoppableRegistrationWorkers = registrationWorkers;
        ExecutorService stoppableAnswerTimers = answerTimers;
        Optional<PoolMember> pool = Optional.ofNullable(poolMember);
        ExecutorService stoppablePoolTimers = poolTimers;
        // first of all at the stop: hand every lease over (cleanly, while SIP still goes out) and leave the pool
        AutoCloseable leavePool = () -> pool.ifPresent(member -> {
            member.close();
            stoppablePoolTimers.shutdownNow();
        });
        Optional<Director> director = config.registration().director() ? Optional.of(Director.of(config.topology())) : Optional.empty();
        Tunables tunables = new Tunables(config, views, Optional.ofNullable(recovery), endpoints.conversations(), source.file());
        SwitchboardMetrics metrics = new SwitchboardMetrics(new SwitchboardMetrics.Sources(endpoints.counts(), presence, views, subscriptions,
                Optional.ofNullable(recovery), Optional.ofNullable(bridge), tlsCertificate, pool));
        // Closed in reverse: registrations first (they unregister), then the bridge, endpoints (their beans close their
        // views), views left open, timers, and the last subscription writes.
        BridgeRuntime runningBridge = bridge;
        Optional<Recovery> stoppedRecovery = Optional.ofNullable(recovery); // stopped first, before the database goes
        Platform platform = new Platform(config, database, identity, clock, endpoints, presence, views, subscriptions, recovery,
                Optional.ofNullable(runningBridge), tunables, metrics, registrations, director, pool, metrics,
                stoppablePersistence::shutdownNow, flushedAtStop::flushNow, beans, stoppableViewTimers::shutdownNow,
                stoppableViewDelivery::shutdownNow, views, endpoints,
                runningBridge == null ? () -> { } : runningBridge, stoppable::shutdownNow, stoppableRegistrationTimers::shutdownNow,
                stoppableRegistrationWorkers::shutdownNow, registrations, () -> stoppedRecovery.ifPresent(Recovery::stop), stoppableAnswerTimers::shutdownNow,
                leavePool);
        // In a pool the bridge's recovery runs on one member, while the others take SIP traffic: not part of readiness.
        endpoints.readiness(new Readiness(context, pool.isPresent() ? Optional.empty() : Optional.ofNullable(recovery)));
        platform.attachTo(context);
        tlsCertificate.ifPresent(certificate -> {
            context.setAttribute(CertificateExpiry.class.getName(), certificate);
            certificate.start();
        });
        ConsoleGate.publish(context);
        try {
            admin = PlatformAdmin.register(platform, context.getContextPath());
        } catch (JMException | RuntimeException e) {
            LOG.warn("Management (JMX) is not available: {}", e.toString());
        }
        LOG.info("Switchboard {} started: configuration {}, {}, application pool {}, instance {} (start #{}), {} endpoints",
                Version.current(), source.file(), database.description(), config.topology().applicationPool(),
                identity.instanceId(), identity.startCount(),
                endpoints.endpoints().size());
    }

    /**
     * JSR 289 §2.1.1: the container calls this once the SIP servlets are initialized and the application
     * may send requests. Presence views hold their SUBSCRIBEs until then.
     */
    @Override
    public void servletInitialized(SipServletContextEvent event) {
        Object attribute = event.getServletContext().getAttribute(Platform.class.getName());
        if (attribute instanceof Platform platform && platform.presenceViews() != null) {
            platform.presenceViews().open();
            LOG.info("Ready to send SIP: presence views start subscribing");
            if (platform.pool().isEmpty()) {
                platform.recovery().ifPresent(Recovery::startOnce); // in a pool: run by the member that takes the bridge
            }
            platform.openRegistrations();
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Object attribute = context.getAttribute(Platform.class.getName());
        Platform.detachFrom(context);
        if (context.getAttribute(CertificateExpiry.class.getName()) instanceof CertificateExpiry certificate) {
            certificate.stop();
            context.removeAttribute(CertificateExpiry.class.getName());
        }
        Closing.quietly(admin);
        if (attribute instanceof Platform platform) {
            platform.close();
        }
        deregisterOwnJdbcDrivers();
        LOG.info("Switchboard stopped");
    }

    /**
     * With SIP over TLS, the certificate its listener presents (the runner checked the key stores already; reading
     * them again here gives the application the same view, and the same refusal when it runs elsewhere).
     */
    private static Optional<CertificateExpiry> tlsCertificate(ConfigSource source, SwitchboardConfig config, Clock clock,
            ExecutorScheduler scheduler) {
        if (!config.server().listensOnTls()) {
            return Optional.empty();
        }
        TlsKeystores.ServerCertificate certificate = TlsKeystores.check(source.file(), config.server().tls(), clock.instant());
        return Optional.of(new CertificateExpiry(certificate.subject(), certificate.notAfter(), clock, scheduler, LOG::warn));
    }

    /** This instance as a member of its pool (pool.enabled): its id, its SIP address for operators, the shared tables. */
    private static PoolMember poolMember(SwitchboardConfig config, InstanceIdentity identity, Database database, Clock clock,
            ExecutorScheduler scheduler) {
        PoolSettings pool = config.pool();
        PoolTimings timings = new PoolTimings(Duration.ofSeconds(pool.leaseSeconds()), Duration.ofSeconds(pool.renewSeconds()),
                Duration.ofMillis(pool.clockSkewMillis()), pool.claimsPerRenewal());
        String address = "sip:" + config.server().sipAddress() + ":" + config.server().sipPort();
        return new PoolMember(identity.instanceId(), address, database.leaseTable(clock), timings, scheduler, clock);
    }

    private static Registrations registrations(RegistrationSettings settings, RegistrarCache cache, ExecutorScheduler scheduler,
            Clock clock, ExecutorService workers, Ownership ownership) {
        Optional<SrvLookup> srv = Optional.of(new DnsSrvLookup(settings.dnsServer().isEmpty() ? Optional.empty()
                : Optional.of(DnsSrvLookup.parseServer(settings.dnsServer()))));
        RegistrarDiscovery discovery = new RegistrarDiscovery(srv, settings.srvDomain(), settings.transport().id(),
                settings.servers().stream().map(SipUri::parse).toList());
        RegistrationPolicy policy = new RegistrationPolicy(Duration.ofSeconds(settings.expiresSeconds()),
                Duration.ofSeconds(settings.failureDetectionSeconds()), Duration.ofSeconds(settings.fallbackSeconds()),
                Duration.ofSeconds(settings.probeIntervalSeconds()), settings.maxRedirects());
        return new Registrations(policy, discovery, cache, scheduler, clock, workers, ownership);
    }

    /** Drivers this web application registered must go with it, or the container reports a leak. */
    private static void deregisterOwnJdbcDrivers() {
        ClassLoader own = PlatformListener.class.getClassLoader();
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (driver.getClass().getClassLoader() == own) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException e) {
                    LOG.warn("Cannot deregister JDBC driver {}: {}", driver, e.toString());
                }
            }
        }
    }
}
