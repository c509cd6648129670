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
 * Unmask against set_pending: domain A unmasks a masked port while domain B sends on it. An
 * event that ends up pending and unmasked must be signalled: the upcall raised and the event
 * reachable by the guest's handler, whichever side came second.
 *
 * <p>2-level (xen/common/event_2l.c): set_pending does test_and_set(pending), then tests the
 * mask and sets the selector bit and the upcall when unmasked; EVTCHNOP_unmask does
 * test_and_clear(mask), then tests pending and sets the selector bit and the upcall. Each side's
 * second access sees the other's first, so one of them signals. The guest is an HVM Linux
 * (events_2l.c evtchn_2l_unmask): its mask bit stays set and EVTCHNOP_unmask clears it.
 *
 * <p>FIFO (xen/common/event_fifo.c, Linux events_fifo.c): the guest clears MASKED itself by
 * compare-exchange only while PENDING is clear, otherwise calls EVTCHNOP_unmask, which clears
 * MASKED and re-runs set_pending for a pending port. set_pending sets PENDING, then links the
 * port only when it is not MASKED. Either order links it once and raises READY and the upcall.
 */
public class UnmaskSetPendingRace {
    private UnmaskSetPendingRace() {
    }

    abstract static class Pair {
        final HypervisorImpl hv = Kernel.hypervisor();
        final Kernel a;
        final Kernel b;
        final int pa;
        final int pb;

        Pair(Kernel.Abi abi) {
            a = Kernel.boot(hv, "a", 1, abi);
            b = Kernel.boot(hv, "b", 1, abi);
            int[] ch = a.connect(b);
            pa = ch[0];
            pb = ch[1];
            a.mask(pa);
        }

        void arbiter(L_Result r) {
            boolean pending = a.pending(pa);
            boolean masked = a.masked(pa);
            boolean upcall = a.upcallPending(0);
            int handled = a.handleEvents(0, p -> { });
            r.r1 = "pending=" + pending + " masked=" + masked + " upcall=" + upcall + " handled=" + handled
                    + " errors=" + hv.internalErrors();
        }
    }

    @JCStressTest
    @Outcome(id = "pending=true masked=false upcall=true handled=1 errors=0", expect = ACCEPTABLE,
            desc = "whichever came second signalled the event")
    @Outcome(expect = FORBIDDEN, desc = "a pending unmasked event with no upcall (lost wake-up), or an error")
    @State
    public static class TwoLevel extends Pair {
        public TwoLevel() {
            super(Kernel.Abi.TWO_LEVEL);
        }

        @Actor
        public void send() {
            Kernel.check(b.send(0, pb), "send");
        }

        @Actor
        public void unmask() {
            a.unmask(0, pa);
        }

        @Arbiter
        public void check(L_Result r) {
            arbiter(r);
        }
    }

    @JCStressTest
    @Outcome(id = "pending=true masked=false upcall=true handled=1 errors=0", expect = ACCEPTABLE,
            desc = "whichever came second linked the event and raised READY and the upcall")
    @Outcome(expect = FORBIDDEN, desc = "a pending unmasked event not linked or not signalled, or an error")
    @State
    public static class Fifo extends Pair {
        public Fifo() {
            super(Kernel.Abi.FIFO);
        }

        @Actor
        public void send() {
            Kernel.check(b.send(0, pb), "send");
        }

        @Actor
        public void unmask() {
            a.unmask(0, pa);
        }

        @Arbiter
        public void check(L_Result r) {
            arbiter(r);
        }
    }
}
