package org.switchboard.dispatch;

import java.util.Set;
import org.switchboard.endpoint.EndpointBehavior;

/** Where endpoint beans come from (CDI in the application; a map in unit tests). */
public interface EndpointBeans {

    /** A new instance of the bean named {@code name}; {@link IllegalArgumentException} when there is none. */
    EndpointBehavior create(String name);

    /** The names of every endpoint bean available, for error messages. */
    Set<String> names();

    /** Releases an instance made by {@link #create}. */
    void release(EndpointBehavior instance);
}
