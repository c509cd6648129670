package io.xenabi.guest.impl;

import io.xenabi.guest.front.Layout;

/**
 * Where the kernel keeps what it shares with the hypervisor and other domains, by gfn in its
 * own RAM: the front-end's {@link Layout#standard} (shared_info at gfn 1, an argument page per
 * vCPU, the FIFO control blocks and event array, 64 grant frames and 8 status frames), then the
 * kernel's own two areas:
 *
 * <pre>
 * next 256                    the map area: where granted pages of other domains are mapped
 * next 256                    data pages the kernel shares with other domains
 * </pre>
 */
record Physmap(Layout layout) {
    static final int GRANT_FRAMES = Layout.GRANT_FRAMES;
    static final int MAP_AREA = 256;
    static final int DATA_PAGES = 256;

    Physmap(int vcpus) {
        this(Layout.standard(vcpus));
    }

    int vcpus() {
        return layout.vcpus();
    }

    long mapAreaGfn(int slot) {
        return layout.standardEnd() + slot;
    }

    long dataGfn(int page) {
        return mapAreaGfn(MAP_AREA) + page;
    }

    /** Pages of RAM the layout needs. */
    long pagesNeeded() {
        return dataGfn(DATA_PAGES);
    }
}
