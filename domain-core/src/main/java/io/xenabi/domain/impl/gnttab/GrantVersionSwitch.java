package io.xenabi.domain.impl.gnttab;

import static io.xenabi.abi.XenErrno.EBUSY;
import static io.xenabi.abi.XenErrno.EINVAL;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EPERM;
import static io.xenabi.abi.XenErrno.ERANGE;
import static io.xenabi.abi.XenErrno.ESRCH;
import static io.xenabi.gnttab.GnttabOp.*;
import static io.xenabi.gnttab.GnttabStatus.*;
import static io.xenabi.gnttab.GrantFlags.*;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.GuestStruct;
import io.xenabi.domain.impl.variants.Variants;
import io.xenabi.gnttab.GrantEntry;
import io.xenabi.gnttab.GrantVersion;

/**
 * GNTTABOP_set_version and get_version: the version a domain's table uses, switched with its
 * reserved entries carried over, served by whichever version service of that number is
 * present and permitted.
 */
final class GrantVersionSwitch {
    private final DomainTable table;
    private final io.xenabi.domain.impl.variants.Variants variants;

    GrantVersionSwitch(DomainTable table, io.xenabi.domain.impl.variants.Variants variants) {
        this.table = table;
        this.variants = variants;
    }

    /** XSM_TARGET of the dummy policy: the domain itself or a privileged one. */
    private static boolean xsmTarget(Domain cur, Domain target) {
        return cur == target || cur.privileged;
    }

    long getVersion(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_GET_VERSION);
        Domain d = table.byAnyId(cur, s.u16(GET_VERSION_DOM));
        if (d == null) {
            return -ESRCH;
        }
        if (!xsmTarget(cur, d)) {
            return -EPERM;
        }
        s.put32(GET_VERSION_VERSION, Grants.of(d).version.version()).copyBack();
        return 0;
    }

    /**
     * gnttab_set_version. The version asked for is served by the version service of that
     * number if it is present and the domain may use it (available ∩ permitted ∩ host
     * maximum); a version Xen knows or a present service serves, withheld, answers -ENOSYS as
     * Xen does for v2 beyond max_grant_version, anything else -EINVAL. The reserved entries
     * are kept, and the switch refused with -ERANGE when the new version cannot represent one. The current version is written back either way.
     */
    long setVersion(Domain cur, long gpa) {
        GuestStruct s = GuestStruct.copyFrom(cur.memory, gpa, SIZEOF_SET_VERSION);
        long want = s.u32AsLong(SET_VERSION_VERSION);
        Grants g = Grants.of(cur);
        long rc;
        g.enter();
        try {
            rc = switchVersion(cur, g, want);
            s.put32(SET_VERSION_VERSION, g.version.version());
        } finally {
            g.lock.unlock();
        }
        s.copyBack();
        return rc;
    }

    private long switchVersion(Domain d, Grants g, long want) {
        Variants.Impl<GrantVersion> target = null;
        boolean known = isXenVersion(want);
        for (Variants.Impl<GrantVersion> i : variants.<GrantVersion>of(AbiVariant.FAMILY_GNTTAB)) {
            if (i.service().version() == want) {
                known = true;
                if (d.permits(i.variant())) {
                    target = i;
                }
            }
        }
        if (target == null) {
            return known ? -ENOSYS : -EINVAL;
        }
        GrantVersion old = g.version;
        if (old.version() == want) {
            return 0;
        }
        if (g.pinnedFrom(Grants.reserved())) {
            return -EBUSY;
        }
        GrantVersion next = target.service();
        int reserved = Math.min(Grants.reserved(), g.nrEntries());
        GrantEntry[] keep = new GrantEntry[reserved];
        int[] bits = new int[reserved];
        for (int ref = 0; ref < reserved; ref++) {
            keep[ref] = old.read(g, ref);
            bits[ref] = old.statusBits(g, ref);
            if (old.statusFramesFor(1) > 0 && keep[ref].type() != GTF_permit_access
                    && keep[ref].type() != GTF_transitive) {
                // Xen's gnttab_set_version, leaving a version whose status lives apart (v2):
                // only permit_access entries are carried over (a sub-page one with its flags);
                // any other type, accept_transfer included, is zeroed (row G19). A transitive
                // one the next version cannot hold is -ERANGE below.
                keep[ref] = new GrantEntry(0, 0, 0, 0, 0, 0, 0);
                bits[ref] = 0;
            }
            if (!next.represents(keep[ref])) {
                // Xen's gnttab_set_version: "non-representable entries", nothing changed yet.
                return -ERANGE;
            }
        }
        g.version = next;
        g.variant = target.variant();
        if (next.statusFramesFor(g.nrFrames()) == 0) {
            // As Xen does for a translated guest, the status frames leave its physmap first.
            g.dropStatusFrames();
        }
        g.grow(Math.max(g.nrFrames(), (reserved * next.entrySize() + GuestPage.PAGE_SIZE - 1) / GuestPage.PAGE_SIZE));
        g.clearUnreserved(0);
        for (int ref = 0; ref < reserved; ref++) {
            next.write(g, ref, keep[ref]);
            if (bits[ref] != 0) {
                next.acquire(g, ref, keep[ref].domid(), (bits[ref] & GTF_writing) == 0, true, false);
            }
        }
        return 0;
    }

}
