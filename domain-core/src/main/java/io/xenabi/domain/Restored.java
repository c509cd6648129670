package io.xenabi.domain;

import java.util.Map;

/**
 * A domain restored from a save image.
 *
 * @param domid the new domain's id
 * @param notes what the toolstack kept with the image (e.g. the guest kernel's mode)
 * @param used the variants its guest used before the save, by family ({@code evtchn=fifo})
 */
public record Restored(int domid, Map<String, String> notes, Map<String, String> used) {
}
