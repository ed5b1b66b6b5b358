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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.switchboard.Version;
import org.switchboard.config.ConfigException;
import org.switchboard.config.ConfigLoader;
import org.switchboard.config.SwitchboardConfig;
import org.switchboard.store.Database;
import org.switchboard.store.InstanceIdentity;
import org.switchboard.store.StorageException;

/**
 * Starts and stops the application inside its container: configuration, then storage. Declared
 * in sip.xml, so the container runs it before the SIP servlets start.
 */
public final class PlatformListener implements ServletContextListener {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformListener.class);

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        ConfigSource source = ConfigSource.of(context);
        SwitchboardConfig config;
        try {
            config = new ConfigLoader().load(source.file(), source.overrides());
        } catch (ConfigException e) {
            LOG.error(e.getMessage());
            throw e;
        }
        Path dataDir = Path.of(config.storage().dataDir()).toAbsolutePath();
        Database database;
        try {
            database = Database.openEmbedded(dataDir);
        } catch (StorageException e) {
            LOG.error(e.getMessage());
            throw e;
        }
        Clock clock = Clock.systemUTC();
        InstanceIdentity identity = database.recordStart(clock);
        Platform platform = new Platform(config, database, identity, clock);
        platform.attachTo(context);
        LOG.info("Switchboard {} started: configuration {}, data directory {}, instance {} (start #{})",
                Version.current(), source.file(), dataDir, identity.instanceId(), identity.startCount());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Object attribute = context.getAttribute(Platform.class.getName());
        Platform.detachFrom(context);
        if (attribute instanceof Platform platform) {
            platform.close();
        }
        deregisterOwnJdbcDrivers();
        LOG.info("Switchboard stopped");
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
