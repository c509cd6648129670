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
 * next 64                     grant-table shared frames (XENMAPSPACE_grant_table)
 * next 8                      grant-table status frames (v2)
 * next 256                    the map area: where granted pages of other domains are mapped
 * next 256                    data pages the kernel shares with other domains
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

    static final int GRANT_FRAMES = 64;
    static final int STATUS_FRAMES = 8;
    static final int MAP_AREA = 256;
    static final int DATA_PAGES = 256;

    long grantFrameGfn(int frame) {
        return eventArrayGfn(EvtchnFifo.EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) + frame;
    }

    long statusFrameGfn(int frame) {
        return grantFrameGfn(GRANT_FRAMES) + frame;
    }

    long mapAreaGfn(int slot) {
        return statusFrameGfn(STATUS_FRAMES) + slot;
    }

    long dataGfn(int page) {
        return mapAreaGfn(MAP_AREA) + page;
    }

    /** Pages of RAM the layout needs. */
    long pagesNeeded() {
        return dataGfn(DATA_PAGES);
    }
}
