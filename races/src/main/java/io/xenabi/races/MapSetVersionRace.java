package io.xenabi.races;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.xenabi.domain.impl.HypervisorImpl;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * GNTTABOP_map_grant_ref against GNTTABOP_set_version. The frontend has granted entry 10 (not
 * a reserved entry) of its v1 table to the backend; the backend maps it while the frontend asks
 * for v2. In xen/common/grant_table.c both run under the granting table's lock (map_grant_ref
 * read-locks it, gnttab_set_version write-locks it), so they are ordered:
 * <ul>
 * <li>map first: the entry is pinned, so set_version refuses with -EBUSY (an entry at index
 * &gt;= GNTTAB_NR_RESERVED_ENTRIES in use) and the table stays v1; the backend then unmaps;</li>
 * <li>set_version first: the table is v2 and every non-reserved entry was cleared, so the map
 * finds no GTF_permit_access and fails with GNTST_general_error.</li>
 * </ul>
 * Both succeeding would leave a mapping of an entry that no longer exists: forbidden.
 */
@JCStressTest
@Outcome(id = "map=ok setVersion=-16 version=1 unmap=0 inUse=0 errors=0", expect = ACCEPTABLE,
        desc = "mapped first: the pinned entry keeps the table at v1")
@Outcome(id = "map=-1 setVersion=0 version=2 unmap=none inUse=0 errors=0", expect = ACCEPTABLE,
        desc = "switched first: the cleared entry cannot be mapped")
@Outcome(expect = FORBIDDEN, desc = "a mapping that survived a version switch, a leak, or an error")
@State
public class MapSetVersionRace {
    static final int REF = 10;
    private final HypervisorImpl hv = Kernel.hypervisor();
    private final Kernel front = Kernel.boot(hv, "front", 1, Kernel.Abi.TWO_LEVEL);
    private final Kernel back = Kernel.boot(hv, "back", 1, Kernel.Abi.TWO_LEVEL);
    private int map;
    private long setVersion;

    public MapSetVersionRace() {
        front.mapGrantFrames(1);
        front.grantAccess(REF, back.domid, Kernel.DATA_GFN, false);
    }

    @Actor
    public void backend() {
        map = back.map(0, front.domid, REF, false, Kernel.DATA_GFN);
    }

    @Actor
    public void frontend() {
        setVersion = front.setVersion(0, 2);
    }

    @Arbiter
    public void check(L_Result r) {
        String unmap = map >= 0 ? Integer.toString(back.unmap(0, Kernel.DATA_GFN, map)) : "none";
        int inUse = hv.grants(front.domid).stream().mapToInt(g -> g.activeMaps() + g.accessBits()).sum();
        r.r1 = "map=" + (map >= 0 ? "ok" : Integer.toString(map)) + " setVersion=" + setVersion
                + " version=" + front.grantVersion() + " unmap=" + unmap + " inUse=" + inUse
                + " errors=" + hv.internalErrors();
    }
}
