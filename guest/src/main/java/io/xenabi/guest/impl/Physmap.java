package io.xenabi.guest.impl;

import io.xenabi.evtchn.EvtchnFifo;

/**
 * Where the kernel keeps what it shares with the hypervisor, by gfn in its own RAM. Linux takes
 * these pages from its allocator; a fixed layout keeps the model easy to inspect:
 *
 * <pre>
 * gfn 0                       left alone (a real PC keeps its IVT there)
 * gfn 1                       shared_info (XENMEM_add_to_physmap puts Xen's page here)
 * gfn 2 .. 2+V-1              hypercall argument pages, one per vCPU (its "stack")
 * gfn 2+V .. 2+2V-1           FIFO control blocks, one per vCPU
 * gfn 2+2V .. +128            FIFO event array pages, added on demand by EVTCHNOP_expand_array
 * </pre>
 */
record Physmap(int vcpus) {
    static final long SHARED_INFO_GFN = 1;
    private static final long FIRST_ARG_GFN = 2;

    long argGfn(int vcpu) {
        return FIRST_ARG_GFN + vcpu;
    }

    long controlBlockGfn(int vcpu) {
        return FIRST_ARG_GFN + vcpus + vcpu;
    }

    long eventArrayGfn(int page) {
        return FIRST_ARG_GFN + 2L * vcpus + page;
    }

    /** Pages of RAM the layout needs. */
    long pagesNeeded() {
        return eventArrayGfn(EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES);
    }
}
