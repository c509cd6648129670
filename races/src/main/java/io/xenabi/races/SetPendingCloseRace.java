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
 * set_pending against EVTCHNOP_close. Domain B sends on an interdomain channel while domain A
 * closes its end. Xen's evtchn_send and evtchn_close (xen/common/event_channel.c) exclude each
 * other on the channel's lock, so the event is either set pending before the close, whose
 * evtchn_free clears it (event_2l.c / event_fifo.c clear_pending: FIFO leaves LINKED for the
 * guest to unlink), or dropped because B's end is UNBOUND by then (send still returns 0). A
 * closed port must never end up pending, the guest's next upcall must handle nothing, and once
 * the guest has unlinked it the port is free for the next allocation (FIFO's evtchn_is_busy).
 */
public class SetPendingCloseRace {
    private SetPendingCloseRace() {
    }

    /** The shared state: B's send against A's close under one ABI. */
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
        }

        long send;
        long close;

        void arbiter(L_Result r) {
            boolean pending = a.pending(pa);
            int handled = 0;
            while (a.upcallPending(0)) {
                handled += a.handleEvents(0, p -> { });
            }
            boolean reused = a.allocUnbound(b.domid) == pa;
            r.r1 = "send=" + send + " close=" + close + " pending=" + pending + " handled=" + handled
                    + " reused=" + reused + " errors=" + hv.internalErrors();
        }
    }

    @JCStressTest
    @Outcome(id = "send=0 close=0 pending=false handled=0 reused=true errors=0", expect = ACCEPTABLE,
            desc = "sent before the close (cleared by it) or dropped after it")
    @Outcome(expect = FORBIDDEN, desc = "a closed port pending or handled, not reusable, or an error")
    @State
    public static class TwoLevel extends Pair {
        public TwoLevel() {
            super(Kernel.Abi.TWO_LEVEL);
        }

        @Actor
        public void send() {
            send = b.send(0, pb);
        }

        @Actor
        public void close() {
            close = a.close(0, pa);
        }

        @Arbiter
        public void check(L_Result r) {
            arbiter(r);
        }
    }

    @JCStressTest
    @Outcome(id = "send=0 close=0 pending=false handled=0 reused=true errors=0", expect = ACCEPTABLE,
            desc = "sent before the close (cleared by it) or dropped after it")
    @Outcome(expect = FORBIDDEN, desc = "a closed port pending or handled, not reusable, or an error")
    @State
    public static class Fifo extends Pair {
        public Fifo() {
            super(Kernel.Abi.FIFO);
        }

        @Actor
        public void send() {
            send = b.send(0, pb);
        }

        @Actor
        public void close() {
            close = a.close(0, pa);
        }

        @Arbiter
        public void check(L_Result r) {
            arbiter(r);
        }
    }
}
