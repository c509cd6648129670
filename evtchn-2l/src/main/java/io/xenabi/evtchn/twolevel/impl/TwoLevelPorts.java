package io.xenabi.evtchn.twolevel.impl;

import static io.xenabi.evtchn.EvtchnOp.EVTCHN_2L_NR_CHANNELS;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.SharedInfo;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import java.nio.ByteBuffer;

/**
 * One domain on the 2-level ABI. Every bit lives in the guest's shared_info page and is changed
 * with atomic read-modify-writes, in the strict order of xen/common/event_2l.c, because the
 * guest flips the same bits concurrently. Xen's {@code evtchn_port_ops_2l} has no init,
 * is_busy or set_priority, and 2-level keeps nothing to release: those ops stay absent.
 */
final class TwoLevelPorts implements EvtchnPortOps {
    /**
     * Ports per selector bit: Xen's internal BITS_PER_EVTCHN_WORD(d) (xen/include/xen/sched.h)
     * for a 64-bit guest, BITS_PER_XEN_ULONG.
     */
    static final int BITS_PER_EVTCHN_WORD = 64;

    private final EvtchnDomain domain;
    private final GuestPage shared;

    TwoLevelPorts(EvtchnDomain domain) {
        this.domain = domain;
        this.shared = domain.sharedInfo();
    }

    @Override
    public int maxPorts() {
        return EVTCHN_2L_NR_CHANNELS;
    }

    @Override
    public void adopt(EvtchnPort port, boolean pending) {
        if (pending) {
            setPending(port);
        }
    }

    /**
     * Sets bit {@code word} of the vCPU's {@code evtchn_pending_sel}, in whichever vcpu_info it
     * uses (its shared_info slot, or the area it registered), and says whether it was set.
     */
    private boolean testAndSetSelector(int vcpu, int word) {
        return domain.vcpuInfoPage(vcpu).testAndSetBit(
                domain.vcpuInfoOffset(vcpu) + SharedInfo.VCPU_EVTCHN_PENDING_SEL, word);
    }

    @Override
    public void setPending(EvtchnPort port) {
        int p = port.port();
        if (p >= EVTCHN_2L_NR_CHANNELS || shared.testAndSetBit(SharedInfo.EVTCHN_PENDING, p)) {
            return;
        }
        int vcpu = port.notifyVcpu();
        if (!shared.testBit(SharedInfo.EVTCHN_MASK, p)
                && !testAndSetSelector(vcpu, p / BITS_PER_EVTCHN_WORD)) {
            domain.markEventsPending(vcpu);
        }
        domain.checkPollers(p); // newly pending, masked or not (evtchn_2l_set_pending)
    }

    /** Pollers are checked in {@link #setPending}, only when PENDING went from 0 to 1. */
    @Override
    public boolean checksPollers() {
        return true;
    }

    @Override
    public void clearPending(EvtchnPort port) {
        if (port.port() < EVTCHN_2L_NR_CHANNELS) {
            shared.testAndClearBit(SharedInfo.EVTCHN_PENDING, port.port());
        }
    }

    @Override
    public void unmask(EvtchnPort port) {
        int p = port.port();
        if (p >= EVTCHN_2L_NR_CHANNELS) {
            return;
        }
        int vcpu = port.notifyVcpu();
        if (shared.testAndClearBit(SharedInfo.EVTCHN_MASK, p)
                && shared.testBit(SharedInfo.EVTCHN_PENDING, p)
                && !testAndSetSelector(vcpu, p / BITS_PER_EVTCHN_WORD)) {
            domain.markEventsPending(vcpu);
        }
    }

    @Override
    public boolean isPending(EvtchnPort port) {
        return port.port() < EVTCHN_2L_NR_CHANNELS && shared.testBit(SharedInfo.EVTCHN_PENDING, port.port());
    }

    @Override
    public boolean isMasked(EvtchnPort port) {
        return port.port() >= EVTCHN_2L_NR_CHANNELS || shared.testBit(SharedInfo.EVTCHN_MASK, port.port());
    }

    @Override
    public String printState(EvtchnPort port) {
        int sel = domain.vcpuInfoPage(port.notifyVcpu()).testBit(
                domain.vcpuInfoOffset(port.notifyVcpu()) + SharedInfo.VCPU_EVTCHN_PENDING_SEL,
                port.port() / BITS_PER_EVTCHN_WORD) ? 1 : 0;
        return "sel=" + sel;
    }

    @Override
    public byte[] exportState() {
        return ByteBuffer.allocate(8).putInt(Evtchn2lVariant.STATE_MAGIC).putInt(Evtchn2lVariant.STATE_VERSION)
                .array();
    }
}
