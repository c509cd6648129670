package io.xenabi.toolstack;

/**
 * A domain restored by the toolstack.
 *
 * @param name the domain's name
 * @param domid its new domid
 * @param guestAbi the event-channel variant its guest kernel resumed on, or {@code ""} when no
 *     guest kernel ran at the save
 */
public record RestoredDomain(String name, int domid, String guestAbi) {
}
