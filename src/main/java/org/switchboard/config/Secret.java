package org.switchboard.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a configuration value that must never be shown: not as a JMX attribute, not in the API or the status page,
 * not in a record's text (log lines). Put it on the record component; {@link Secrets} finds every one, so a new
 * secret is hidden everywhere by marking it here.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Secret {
}
