package io.xenabi.abi;

import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The physmap mutators of one {@link GuestMemory}: what {@code XENMEM_add_to_physmap} and
 * grant mappings change. Only whoever created the memory holds them (the hypervisor, for a
 * domain's RAM): the memory itself never hands them out, so a guest kernel model given the
 * memory can read and write its pages but never remap them.
 */
@ProviderType
public interface GuestPhysmap {
    /** Memory of {@code nrPages} pages and its physmap, for its creator alone. */
    static GuestPhysmap create(long nrPages) {
        return new GuestMemory(nrPages).physmap();
    }

    /** Memory of {@code mib} MiB and its physmap, for its creator alone. */
    static GuestPhysmap ofMiB(long mib) {
        return GuestMemory.ofMiB(mib).physmap();
    }

    /**
     * Memory of {@code nrPages} pages in a shared memory file of its own, created at
     * {@code file} (which must not exist) with mode 0600, and its physmap: what a native guest
     * process maps as its RAM.
     */
    static GuestPhysmap inFile(Path file, long nrPages) {
        return new GuestMemory(nrPages, file).physmap();
    }

    /**
     * Told of each change of the physmap, after it: {@code page} is now at {@code gfn}
     * ({@code readonly} for a read-only grant mapping). Called on the thread that changed it.
     */
    @FunctionalInterface
    interface Listener {
        void mapped(long gfn, GuestPage page, boolean readonly);
    }

    /** Sets the one listener of this physmap (null: none). */
    void listen(Listener listener);

    /**
     * A fresh page of the domain's own RAM for {@code gfn}, to put back where a hypervisor
     * page or a grant mapping was: a new heap page, or for memory in a file the file's own page
     * at that gfn (whatever the file held there).
     */
    GuestPage ramPage(long gfn);

    /** The memory this physmap changes. */
    GuestMemory memory();

    /**
     * Puts {@code page} at {@code gfn}, replacing what was there; returns the page that was
     * replaced, or {@code null} when that gfn had never been touched.
     */
    GuestPage map(long gfn, GuestPage page);

    /**
     * Puts another domain's {@code page} at {@code gfn}, as a grant mapping does; with
     * {@code readonly}, writes to it through the memory are discarded, as Xen discards guest
     * writes to a p2m_grant_map_ro page (xen/arch/x86/hvm/hvm.c, __hvm_copy). The mapping lasts
     * until the next {@link #map} at that gfn. Returns the page that was replaced, or null.
     */
    GuestPage mapForeign(long gfn, GuestPage page, boolean readonly);
}
