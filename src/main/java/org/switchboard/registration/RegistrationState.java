package org.switchboard.registration;

/** Where one endpoint's registration stands. */
public enum RegistrationState {
    /** Not started yet (the container has not said SIP may be sent). */
    IDLE,
    /** Registering with the cached primary registrar, without asking DNS. */
    REGISTERING,
    /** Finding the home pool: a registrar from SRV or the configured list, following its 301s. */
    DISCOVERING,
    /** Registered with the primary registrar; refreshed before expiry. */
    REGISTERED,
    /** The primary stopped answering; it is tried again until the failure-detection interval has passed. */
    PRIMARY_FAILING,
    /** Registered with the backup registrar; the primary is probed. */
    REGISTERED_BACKUP,
    /** Registered with the backup; the primary answers probes again, and is returned to after the fallback interval. */
    FALLING_BACK,
    /** No registrar accepted the registration; discovery starts again later. */
    UNREGISTERED,
    /** Stopped with the platform (unregistered). */
    STOPPED
}
