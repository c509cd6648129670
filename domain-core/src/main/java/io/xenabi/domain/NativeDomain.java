package io.xenabi.domain;

import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/** One native guest domain as the guest bridge serves it. Since 1.3. */
@ProviderType
public interface NativeDomain {
    int domid();

    int vcpus();

    /** Bytes of guest RAM: the RAM file's size. */
    long ramBytes();

    /** The domain's RAM file: byte {@code gpa} is guest physical address {@code gpa}. */
    Path ramFile();

    /**
     * Runs {@code upcall} each time vCPU {@code vcpu}'s {@code evtchn_upcall_pending} goes from 0
     * to 1 (Xen's {@code vcpu_mark_events_pending}), on the thread that marked it; null clears.
     */
    void onUpcall(int vcpu, Runnable upcall);

    /**
     * Runs the domain again if it shut down with {@code SHUTDOWN_suspend} (Xen's
     * {@code domain_resume}, XEN_DOMCTL_resume): its event-channel and grant state stay as they
     * were, for the next process to take over. Returns whether it was suspended.
     */
    boolean resumeFromSuspend();

    /** Whether vCPU {@code vcpu}'s {@code evtchn_upcall_pending} is set now. */
    boolean upcallPending(int vcpu);

    /** Tells {@code listener} of each physmap change (null clears), on the thread that made it. */
    void onPhysmap(PhysmapListener listener);

    /** A range of guest frames now backed by something other than what the guest mapped. */
    @FunctionalInterface
    interface PhysmapListener {
        /**
         * Frame {@code gfn} is now {@code file} from byte {@code fileOffset} (the domain's own RAM
         * file, or a page file holding only what this domain may see), read-only if
         * {@code readonly}; or, with {@code file} null, a hole (the page cannot be shared with the
         * process: any access faults).
         */
        void changed(long gfn, Path file, long fileOffset, boolean readonly);
    }
}
