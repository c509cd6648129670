package io.xenabi.toolstack;

/**
 * A domain rebooted by the toolstack.
 *
 * @param name the domain's name
 * @param before its domid before the reboot
 * @param after its new domid
 * @param guestAbi the event-channel variant its guest kernel booted on again, or {@code ""} when
 *     no guest kernel ran
 */
public record Rebooted(String name, int before, int after, String guestAbi) {
}
