package io.xenabi.gnttab;

/**
 * A grant entry decoded from any version's layout. Fields a version does not have are 0
 * (v1 has no transitive target, nor a sub-page window: a v1 entry flagged GTF_sub_page reads
 * as the window of the whole page, as Xen's copy treats it).
 *
 * @param flags the GTF_* flags of the entry (for v2, the header flags; status bits excluded)
 * @param domid the domain the grant is for
 * @param frame the granted frame (full page or sub-page)
 * @param pageOffset sub-page: first byte of the window
 * @param length sub-page: length of the window
 * @param transDomid transitive: the domain whose grant is referenced
 * @param transGref transitive: the referenced grant
 */
public record GrantEntry(int flags, int domid, long frame, int pageOffset, int length, int transDomid,
        int transGref) {
    /** A full-page {@code permit_access} grant of {@code frame} to {@code domid}. */
    public static GrantEntry permitAccess(int domid, long frame, boolean readonly) {
        return new GrantEntry(GrantFlags.GTF_permit_access | (readonly ? GrantFlags.GTF_readonly : 0), domid, frame,
                0, 0, 0, 0);
    }

    /** The GTF type: invalid, permit_access, accept_transfer or transitive. */
    public int type() {
        return flags & GrantFlags.GTF_type_mask;
    }

    public boolean readonly() {
        return (flags & GrantFlags.GTF_readonly) != 0;
    }

    public boolean subPage() {
        return (flags & GrantFlags.GTF_sub_page) != 0;
    }
}
