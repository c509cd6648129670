package io.xenabi.guest;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a guest kernel runs when an event arrives on a port (Linux's irq handler). It runs on
 * the thread of the vCPU that took the upcall, with event delivery masked, so it must not
 * block; it may issue hypercalls through its kernel (send, close, ...).
 */
@ConsumerType
@FunctionalInterface
public interface EventHandler {
    /**
     * @param port the port the event arrived on
     * @param vcpu the vCPU that handled it
     */
    void onEvent(int port, int vcpu);
}
