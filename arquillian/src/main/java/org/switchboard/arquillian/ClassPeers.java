package org.switchboard.arquillian;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The peers a test class's Switchboard talks to (an XMPP server, a database, a SIP peer, ...), up before Arquillian
 * deploys and down only after it has undeployed, for a deployment whose configuration names them (see
 * {@link SwitchboardDeployment#configuration(org.jboss.shrinkwrap.api.spec.WebArchive, java.util.function.Supplier)}).
 * Registered ahead of Arquillian's extension:
 *
 * <pre>{@code
 * @RegisterExtension @Order(1) static final ClassPeers PEERS = ClassPeers.of(MyIT::startPeers, MyIT::stopPeers);
 * @RegisterExtension @Order(2) static final ArquillianExtension ARQUILLIAN = new ArquillianExtension();
 * }</pre>
 *
 * JUnit runs before-all callbacks in that order and after-all callbacks in the reverse one; a {@code @BeforeAll}
 * method would run only after Arquillian had deployed, and an {@code @AfterAll} one before it undeploys.
 */
public final class ClassPeers implements BeforeAllCallback, AfterAllCallback {

    /** Starting or stopping the peers. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private final Step start;
    private final Step stop;

    private ClassPeers(Step start, Step stop) {
        this.start = start;
        this.stop = stop;
    }

    public static ClassPeers of(Step start, Step stop) {
        return new ClassPeers(start, stop);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start.run();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop.run();
    }
}
