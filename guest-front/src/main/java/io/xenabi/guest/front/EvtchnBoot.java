package io.xenabi.guest.front;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.MemoryOp;
import io.xenabi.abi.XenErrno;

/**
 * A kernel's event-channel start: at boot, Linux's {@code xen_evtchn_fifo_init} then
 * {@code xen_evtchn_2l_init} (FIFO probed with EVTCHNOP_init_control on every vCPU, 2-level the
 * fallback); at resume, {@code xen_irq_resume}'s first half (the ABI the kernel was using set up
 * again with {@link EvtchnOps#resume}, nothing probed, every port masked). Rebinding is the
 * caller's: it knows its bindings.
 */
public final class EvtchnBoot {
    /** The ABI chosen, and why FIFO was not (empty when it was, or was not tried). */
    public record Chosen(EvtchnOps ops, String fallbackReason) {
    }

    private EvtchnBoot() {
    }

    /** XENMEM_add_to_physmap of shared_info at {@code layout.sharedInfoGfn()}: the page, or throws. */
    public static GuestPage mapSharedInfo(Hypercalls calls, ArgStack args, Layout layout) {
        long rc;
        try (ArgStack.Frame f = args.enter(0)) {
            rc = calls.addToPhysmap(f.vcpu(), f.gpa(), MemoryOp.XENMAPSPACE_shared_info, 0, layout.sharedInfoGfn());
        }
        if (rc < 0) {
            throw new FrontException("XENMEM_add_to_physmap(shared_info)", rc);
        }
        return calls.memory().page(layout.sharedInfoGfn());
    }

    /**
     * The boot probe: with {@code tryFifo}, FIFO on every vCPU, and on any error 2-level. If a
     * later vCPU fails after the first succeeded, the domain has already switched to FIFO, so it
     * is returned to 2-level with EVTCHNOP_reset before the bitmaps are driven; otherwise guest
     * and hypervisor would talk past each other. Every port the chosen ABI addresses is masked.
     */
    public static Chosen boot(Hypercalls calls, ArgStack args, Layout layout, GuestPage sharedInfo, boolean tryFifo) {
        TwoLevelEvents twoLevel = new TwoLevelEvents(sharedInfo, calls, args, layout.vcpus());
        Chosen chosen = new Chosen(twoLevel, "");
        if (tryFifo) {
            FifoEvents fifo = new FifoEvents(calls, layout, args);
            chosen = new Chosen(fifo, "");
            for (int v = 0; v < layout.vcpus(); v++) {
                long rc = fifo.initControl(v);
                if (rc < 0) {
                    chosen = new Chosen(twoLevel, "EVTCHNOP_init_control(vcpu " + v + "): -" + XenErrno.name(rc));
                    if (v > 0) {
                        long reset;
                        try (ArgStack.Frame f = args.enter()) {
                            reset = calls.reset(f.vcpu(), f.gpa());
                        }
                        if (reset < 0) {
                            throw new FrontException("EVTCHNOP_reset after a failed EVTCHNOP_init_control", reset);
                        }
                    }
                    break;
                }
            }
        }
        chosen.ops().maskAll();
        return chosen;
    }

    /**
     * The resume sequence in a restored domain: the ABI named {@code abi} ({@code 2l} or
     * {@code fifo}) set up again with {@link EvtchnOps#resume}, nothing probed (a 2-level kernel
     * stays on 2-level wherever it resumes), then every port masked until it is bound again.
     *
     * @throws FrontException when the ABI cannot be set up again (Linux's {@code BUG()})
     */
    public static EvtchnOps resume(Hypercalls calls, ArgStack args, Layout layout, GuestPage sharedInfo, String abi) {
        EvtchnOps ops = switch (abi) {
            case "2l" -> new TwoLevelEvents(sharedInfo, calls, args, layout.vcpus());
            case "fifo" -> new FifoEvents(calls, layout, args);
            default -> throw new IllegalArgumentException("no guest front-end for event-channel ABI '" + abi + "'");
        };
        long rc = ops.resume();
        if (rc < 0) {
            throw new FrontException("resuming on " + abi + ": EVTCHNOP_init_control", rc);
        }
        ops.maskAll();
        return ops;
    }
}
