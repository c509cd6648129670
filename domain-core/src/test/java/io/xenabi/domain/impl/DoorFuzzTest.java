package io.xenabi.domain.impl;

import static io.xenabi.domain.impl.FuzzVocabulary.*;

import io.xenabi.domain.DomainState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

/**
 * Random hypercall sequences from four domains through the door: Domain-0 (privileged), a PV
 * domain with every ABI permitted, a domain with FIFO withheld (grant v2 only), and an HVM domain
 * with Xen's extensions hidden. Arguments are mostly valid-looking (real ports, real grant refs
 * whose entries the granting guest wrote into its table frames, real domids, mapped frames)
 * mixed with wild ones (addresses outside RAM, unaligned or crossing pages, huge counts,
 * negative ports, DOMID_SELF and unknown domids, foreign pages).
 *
 * <p>After every step: the result is 0 or more or a Xen errno (and a GNTST status a known one),
 * nothing failed inside xenabi, the {@link Invariants} hold, no port appeared where the caller
 * had no right, and every other domain the caller had no right to touch is unchanged byte for
 * byte. The sequences must reach deep code: the coverage checks at the end fail otherwise.
 *
 * <p>The vocabulary (steps, value pools, the driver) is {@link FuzzVocabulary}. CI runs a bounded number of tries with a fixed seed; {@link FuzzCampaign} raises them for a
 * long campaign ({@code -Dxenabi.fuzz.tries=N}, see docs/RELIABILITY.md).
 */
@AddLifecycleHook(FuzzCampaign.class)
class DoorFuzzTest {
    @Provide
    Arbitrary<List<Step>> sequences() {
        return FuzzVocabulary.sequences();
    }

    // ------------------------------------------------------------ the property

    @Property(tries = 150, seed = "2377006814895564315", edgeCases = EdgeCasesMode.NONE) // fixed: CI must be repeatable
    void everyStepAnswersWithAResultOrAXenErrnoAndKeepsTheInvariants(@ForAll("sequences") List<Step> steps) {
        Driver driver = new Driver();
        for (Step s : steps) {
            run(driver, s);
        }
        // The sequences must reach the code beyond the argument checks, not only fail early.
        Statistics.label("results").coverage(c -> {
            for (String deep : List.of("map_grant_ref:okay", "unmap_grant_ref:okay", "copy:okay", "setup_table:okay",
                    "set_version:ok", "get_status_frames:okay", "swap_grant_ref:okay", "query_size:okay",
                    "add_to_physmap:ok", "alloc_unbound:ok", "bind_interdomain:ok", "send:ok", "close:ok",
                    "unmask:ok", "status:ok", "status:EPERM", "init_control:ok", "expand_array:ok", "bind_virq:ok",
                    "bind_ipi:ok", "reset:ok")) {
                c.check(deep).count(n -> n > 0);
            }
        });
    }

    /** Runs one step on the driver, checking everything after it. */
    static void run(Driver driver, Step s) {
        HypervisorImpl hv = driver.hv;
        boolean toolstack = s.kind() == Kind.PAUSE || s.kind() == Kind.UNPAUSE;
        // The toolstack acts for Domain-0; a paused vCPU makes no hypercall.
        int caller = toolstack ? 0 : driver.domids[s.caller()];
        if (hv.info(caller).orElseThrow().state() == DomainState.PAUSED) {
            Statistics.label("results").collect("skipped (paused)");
            return;
        }
        boolean privileged = caller == 0;
        Map<Integer, Invariants.Rights> rights = Invariants.rightsOf(hv, caller);
        Map<Integer, Map<String, Object>> before = new HashMap<>();
        rights.forEach((d, r) -> before.put(d, Invariants.snapshot(hv, d, r, driver.eventPages(d))));
        var portsBefore = Invariants.openPorts(hv);

        String result = driver.call(caller, 0, s);
        FuzzCampaign.count(result);
        Statistics.label("results").collect(result);

        if (hv.internalErrors.get() != 0) {
            throw new AssertionError("a hypercall failed inside xenabi: " + s);
        }
        Invariants.check(hv);
        Invariants.newPortsAreTheCallers(portsBefore, Invariants.openPorts(hv), caller, privileged);
        rights.forEach((d, r) -> {
            String diff = Invariants.difference(before.get(d), Invariants.snapshot(hv, d, r, driver.eventPages(d)));
            if (diff != null) {
                throw new AssertionError("d" + caller + " changed d" + d + " without the right to: " + diff
                        + " (step " + s + ")");
            }
        });
    }
}
