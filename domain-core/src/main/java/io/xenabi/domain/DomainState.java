package io.xenabi.domain;

/** The lifecycle state of a domain, as {@code xl list} shows it. */
public enum DomainState {
    /** Running or blocked, ready to take hypercalls. */
    RUNNING,
    /** Paused by the toolstack. */
    PAUSED,
    /** The guest has shut down (poweroff, reboot, suspend): kept until destroyed. */
    SHUTDOWN,
    /** The guest crashed. */
    CRASHED,
    /** Being destroyed. */
    DYING
}
