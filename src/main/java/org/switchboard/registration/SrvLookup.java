package org.switchboard.registration;

import java.io.IOException;
import java.util.List;

/** DNS SRV lookups (RFC 2782). */
public interface SrvLookup {

    /** One SRV record: where a service runs. */
    record SrvTarget(int priority, int weight, String host, int port) {
    }

    /** The records of {@code name} (such as {@code _sip._udp.example.com}); empty when there are none. */
    List<SrvTarget> lookup(String name) throws IOException;
}
