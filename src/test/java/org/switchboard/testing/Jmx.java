package org.switchboard.testing;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** Reaches the running server's MBeans the way a local JMX console does: the attach API's local agent, no network port. */
public final class Jmx {

    private Jmx() {
    }

    public static JMXConnector connect(RunningSwitchboard server) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(String.valueOf(server.pid()));
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try {
            return JMXConnectorFactory.connect(new JMXServiceURL(address));
        } catch (IOException e) {
            throw new IOException("cannot connect to " + address, e);
        }
    }
}
