package io.xenabi.abi;

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
