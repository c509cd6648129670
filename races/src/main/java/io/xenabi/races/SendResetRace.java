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
 * EVTCHNOP_send against EVTCHNOP_reset. Domain B sends on an interdomain channel while domain A
 * resets its own event channels. Xen's evtchn_reset (xen/common/event_channel.c) closes every
 * port through evtchn_close, so each send is ordered against the close of its channel as in
 * {@link SetPendingCloseRace}: delivered and then cleared, or dropped on B's now UNBOUND end,
 * and the send returns 0 either way. The reset itself succeeds (nothing binds meanwhile, so no
 * -EAGAIN), leaves A with no open port and, when A was on FIFO, returns it to the 2-level ABI
 * (evtchn_fifo_destroy, then evtchn_2l_init). Afterwards A's old port is not pending in the
 * 2-level bitmap and B's end stands UNBOUND, waiting for A.
 */
public class SendResetRace {
    private SendResetRace() {
    }

    abstract static class Pair {
        final HypervisorImpl hv = Kernel.hypervisor();
        final Kernel a;
        final Kernel b;
        final int pa;
        final int pb;
        long send;
        long reset;

        Pair(Kernel.Abi abi) {
            a = Kernel.boot(hv, "a", 1, abi);
            b = Kernel.boot(hv, "b", 1, abi);
            int[] ch = a.connect(b);
            pa = ch[0];
            pb = ch[1];
        }

        void arbiter(L_Result r) {
            String abi = hv.info(a.domid).orElseThrow().evtchnAbi();
            boolean pending = hv.memory(a.domid).page(Kernel.SHARED_INFO_GFN)
                    .testBit(io.xenabi.abi.SharedInfo.EVTCHN_PENDING, pa);
            boolean bUnbound = hv.ports(b.domid).stream()
                    .anyMatch(p -> p.port() == pb && p.remotePort() < 0 && p.remoteDomain() == a.domid);
            r.r1 = "send=" + send + " reset=" + reset + " abi=" + abi + " open=" + hv.ports(a.domid).size()
                    + " pending=" + pending + " peerUnbound=" + bUnbound + " errors=" + hv.internalErrors();
        }
    }

    @JCStressTest
    @Outcome(id = "send=0 reset=0 abi=2l open=0 pending=false peerUnbound=true errors=0", expect = ACCEPTABLE,
            desc = "sent before the channel's close (cleared by it) or dropped after it")
    @Outcome(expect = FORBIDDEN, desc = "a port left open or pending, a failed reset or send, or an error")
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
        public void reset() {
            reset = a.reset(0);
        }

        @Arbiter
        public void check(L_Result r) {
            arbiter(r);
        }
    }

    @JCStressTest
    @Outcome(id = "send=0 reset=0 abi=2l open=0 pending=false peerUnbound=true errors=0", expect = ACCEPTABLE,
            desc = "sent before the channel's close (cleared by it) or dropped after it; A back on 2-level")
    @Outcome(expect = FORBIDDEN, desc = "a port left open or pending, still on FIFO, a failed reset or send, or an error")
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
        public void reset() {
            reset = a.reset(0);
        }

        @Arbiter
        public void check(L_Result r) {
            arbiter(r);
        }
    }
}
