package io.xenabi.guest;

/** Which event-channel ABI a guest kernel tries at boot. */
public enum AbiMode {
    /**
     * As Linux's {@code xen_init_IRQ}: try FIFO ({@code EVTCHNOP_init_control} on every vCPU)
     * and fall back to 2-level on any error.
     */
    AUTO,
    /** Never try FIFO: an old kernel that only knows the 2-level bitmaps. */
    TWO_LEVEL
}
