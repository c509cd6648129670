package io.xenabi.races;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.xenabi.domain.impl.HypervisorImpl;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * FIFO link against unlink. Port A is queued (PENDING, LINKED, HEAD=A, the tail). The
 * hypervisor sets port B pending (EVTCHNOP_send of an IPI from vCPU 1 to vCPU 0) while the guest
 * consumes vCPU 0's queue as Linux's events_fifo.c does (xchg READY, read HEAD, clear LINKED and
 * LINK by compare-exchange, ack, handle). Xen's evtchn_fifo_set_pending (xen/common/event_fifo.c)
 * links B after the tail only while the tail word is still LINKED (try_set_link's cmpxchg);
 * when the guest has already unlinked A it writes HEAD=B instead and sets the queue's READY bit,
 * raising the upcall when the bit was clear. Either way B reaches the guest exactly once: in the
 * same pass (the consumer read A's LINK=B, or found READY set again), or in the next upcall,
 * which the arbiter runs while evtchn_upcall_pending is set. Losing B (pending and linked with
 * no way to reach it), handling an event twice, or leaving a word LINKED or PENDING is a bug.
 *
 * <p>Result: ports handled by the consumer, then by the next upcalls (bit 1 = A, bit 2 = B),
 * whether every word is clean afterwards, and internal errors.
 */
@JCStressTest
@Outcome(id = "3 0 clean errors=0", expect = ACCEPTABLE, desc = "B linked behind A or found on READY: one pass handles both")
@Outcome(id = "1 2 clean errors=0", expect = ACCEPTABLE_INTERESTING, desc = "B queued after the consumer finished: the upcall was raised again")
@Outcome(expect = FORBIDDEN, desc = "an event lost, handled twice, or a word left LINKED/PENDING")
@State
public class FifoLinkRace {
    private final HypervisorImpl hv = Kernel.hypervisor();
    private final Kernel guest = Kernel.boot(hv, "guest", 2, Kernel.Abi.FIFO);
    private final int a = guest.bindIpi(0);
    private final int b = guest.bindIpi(0);
    private int byConsumer;
    private int twice;

    public FifoLinkRace() {
        Kernel.check(guest.send(0, a), "send A");
    }

    private int bit(int port) {
        return port == a ? 1 : port == b ? 2 : 4;
    }

    private int record(int seen, int port) {
        twice |= seen & bit(port);
        return seen | bit(port);
    }

    @Actor
    public void hypervisor() {
        Kernel.check(guest.send(1, b), "send B");
    }

    @Actor
    public void consumer() {
        guest.handleEvents(0, p -> byConsumer = record(byConsumer, p));
    }

    @Arbiter
    public void arbiter(L_Result r) {
        int[] later = {0};
        while (guest.upcallPending(0)) {
            guest.handleEvents(0, p -> later[0] = record(later[0] | byConsumer, p) & ~byConsumer);
        }
        boolean clean = twice == 0 && guest.ready(0) == 0 && !guest.linked(a) && !guest.linked(b)
                && !guest.pending(a) && !guest.pending(b);
        r.r1 = byConsumer + " " + later[0] + " " + (clean ? "clean" : "dirty") + " errors=" + hv.internalErrors();
    }
}
