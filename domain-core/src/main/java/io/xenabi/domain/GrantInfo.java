package io.xenabi.domain;

/**
 * One grant entry in use, as the toolstack sees it ({@code gnttab:list}).
 *
 * @param ref the grant reference
 * @param flags the entry's GTF_* flags (type, readonly, sub_page ...)
 * @param domid the domain it is granted to
 * @param frame the granted frame (a gfn of the granting domain); for a transitive grant, the
 *     referenced gref
 * @param version the grant-table version the entry is read with
 * @param activeMaps live pins: host and device mappings and copies in flight
 * @param accessBits GTF_reading / GTF_writing as the guest sees them now
 */
public record GrantInfo(int ref, int flags, int domid, long frame, int version, int activeMaps, int accessBits) {
}
