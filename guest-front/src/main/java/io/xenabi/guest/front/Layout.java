package io.xenabi.guest.front;

import io.xenabi.evtchn.EvtchnFifo;

/**
 * Where a guest keeps the pages it shares with the hypervisor, by gfn in its own RAM: the
 * shared_info page, one FIFO control block per vCPU from {@code firstControlGfn}, the FIFO event
 * array pages from {@code firstArrayGfn}, and the grant-table shared and status frames from
 * {@code firstGrantGfn} and {@code firstStatusGfn}. Linux takes these pages from its allocator;
 * a fixed layout keeps a model easy to inspect.
 */
public record Layout(int vcpus, long sharedInfoGfn, long firstControlGfn, long firstArrayGfn, long firstGrantGfn,
        long firstStatusGfn) {
    /** Grant frames {@link #standard} leaves room for. */
    public static final int GRANT_FRAMES = 64;
    /** Status frames {@link #standard} leaves room for (v2). */
    public static final int STATUS_FRAMES = 8;

    public Layout {
        if (vcpus < 1) {
            throw new IllegalArgumentException("a layout for " + vcpus + " vCPUs");
        }
    }

    /**
     * The guest kernels' layout: gfn 0 left alone, shared_info at 1, one argument page per vCPU
     * from 2, then the control blocks, room for every event-array page Xen allows, then
     * {@value #GRANT_FRAMES} grant frames and {@value #STATUS_FRAMES} status frames.
     */
    public static Layout standard(int vcpus) {
        long control = 2L + vcpus;
        long array = control + vcpus;
        long grant = array + EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES;
        return new Layout(vcpus, 1, control, array, grant, grant + GRANT_FRAMES);
    }

    /** The argument page of {@code vcpu} in the {@link #standard} layout. */
    public long standardArgGfn(int vcpu) {
        return 2L + vcpu;
    }

    /** The first gfn after the {@link #standard} layout's status frames. */
    public long standardEnd() {
        return firstStatusGfn + STATUS_FRAMES;
    }

    public long controlBlockGfn(int vcpu) {
        return firstControlGfn + vcpu;
    }

    public long eventArrayGfn(int page) {
        return firstArrayGfn + page;
    }

    public long grantFrameGfn(int frame) {
        return firstGrantGfn + frame;
    }

    public long statusFrameGfn(int frame) {
        return firstStatusGfn + frame;
    }
}
