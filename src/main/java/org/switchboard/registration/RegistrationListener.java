package org.switchboard.registration;

/** Told every step of every registration, in order per endpoint. */
@FunctionalInterface
public interface RegistrationListener {

    void onEvent(RegistrationEvent event);
}
