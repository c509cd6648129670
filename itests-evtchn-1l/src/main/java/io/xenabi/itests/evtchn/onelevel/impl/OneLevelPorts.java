package io.xenabi.itests.evtchn.onelevel.impl;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.abi.XenErrno;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnSetupArg;
import java.nio.ByteBuffer;

/**
 * One domain on the 1-level toy ABI: the pending bitmap at byte 0 of the guest's page, the
 * mask bitmap at byte {@value #MASK}. Every bit is changed with an atomic read-modify-write,
 * so a send racing an unmask of one port (which the SPI allows) loses nothing: whichever of
 * the two sees the other's bit raises the upcall (both may: a second upcall is harmless).
 * Only the mandatory ops and the setup op are implemented; the optional ones stay absent.
 */
final class OneLevelPorts implements EvtchnPortOps {
    static final int NR_PORTS = 1024;
    static final int PENDING = 0;
    static final int MASK = NR_PORTS / 8;

    private final EvtchnDomain domain;
    private volatile long gfn;
    private volatile GuestPage page;

    OneLevelPorts(EvtchnDomain domain, long gfn) {
        this.domain = domain;
        this.gfn = gfn;
        this.page = gfn < 0 ? null : domain.memory().page(gfn);
    }

    @Override
    public int maxPorts() {
        return NR_PORTS;
    }

    private GuestPage pageFor(EvtchnPort port) {
        return port.port() < NR_PORTS ? page : null;
    }

    @Override
    public void setPending(EvtchnPort port) {
        GuestPage p = pageFor(port);
        if (p != null && !p.testAndSetBit(PENDING, port.port()) && !p.testBit(MASK, port.port())) {
            domain.markEventsPending(port.notifyVcpu());
        }
    }

    @Override
    public void clearPending(EvtchnPort port) {
        GuestPage p = pageFor(port);
        if (p != null) {
            p.testAndClearBit(PENDING, port.port());
        }
    }

    @Override
    public void unmask(EvtchnPort port) {
        GuestPage p = pageFor(port);
        if (p != null && p.testAndClearBit(MASK, port.port()) && p.testBit(PENDING, port.port())) {
            domain.markEventsPending(port.notifyVcpu());
        }
    }

    @Override
    public boolean isPending(EvtchnPort port) {
        GuestPage p = pageFor(port);
        return p != null && p.testBit(PENDING, port.port());
    }

    @Override
    public boolean isMasked(EvtchnPort port) {
        GuestPage p = pageFor(port);
        return p == null || p.testBit(MASK, port.port());
    }

    /** EVTCHNOP_init_1l: the guest's page, once; answers the number of ports. */
    @Override
    public long setupOp(int vcpu, int cmd, EvtchnSetupArg arg) {
        if (cmd != OneLevelVariant.EVTCHNOP_init_1l) {
            return -XenErrno.ENOSYS;
        }
        if (page != null) {
            return -XenErrno.EEXIST;
        }
        long want = arg.u64(OneLevelVariant.INIT_1L_PAGE_GFN);
        GuestMemory memory = domain.memory();
        if (!memory.isValidGfn(want) || memory.isForeign(want)) {
            return -XenErrno.EINVAL;
        }
        gfn = want;
        page = memory.page(want);
        arg.put32(OneLevelVariant.INIT_1L_NR_PORTS, NR_PORTS);
        return 0;
    }

    @Override
    public byte[] exportState() {
        return ByteBuffer.allocate(16).putInt(OneLevelVariant.STATE_MAGIC).putInt(OneLevelVariant.STATE_VERSION)
                .putLong(page == null ? -1 : gfn).array();
    }
}
