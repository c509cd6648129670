package io.xenabi.domain.impl.gnttab;

import io.xenabi.abi.GuestPage;
import io.xenabi.domain.impl.gnttab.Grants.Mapping;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A domain's maptrack (xen/common/grant_table.c): the handles it holds as a mapper of other
 * domains' grants, in frames of {@link #MAPTRACK_PER_PAGE} entries, with a free list per vCPU.
 */
public final class Maptrack {
    /**
     * Xen's internal MAPTRACK_PER_PAGE (xen/common/grant_table.c): struct grant_mapping is 16
     * bytes, 256 handles per maptrack frame.
     */
    public static final int MAPTRACK_PER_PAGE = GuestPage.PAGE_SIZE / 16;
    /** Xen's internal MAPTRACK_TAIL (~0u, xen/common/grant_table.c): the end of a maptrack free list. */
    static final int MAPTRACK_TAIL = -1;

    private final ReentrantLock maptrackLock = new ReentrantLock();
    /**
     * The maptrack frames, {@link #MAPTRACK_PER_PAGE} entries each: {@code frames.length *
     * MAPTRACK_PER_PAGE} is Xen's maptrack_limit. A frame never moves once made, so a handle's
     * entry is read without the lock (as Xen's maptrack_entry); the free lists are the lock's.
     */
    private volatile AtomicReferenceArray<Mapping>[] frames = newFrames(0);
    /** Entries in all frames (frames.length * MAPTRACK_PER_PAGE), kept under the lock. */
    private int maptrackLimit;
    /** The next entry of the free list a free entry is on (Xen keeps it in grant_mapping.ref). */
    private int[] maptrackNext = new int[0];
    /** The vCPU whose free list an entry goes back to (Xen's grant_mapping.vcpu). */
    private int[] maptrackVcpu = new int[0];
    private final int maxMaptrackFrames;
    /** Each vCPU's free list (Xen's v->maptrack_head and v->maptrack_tail), by vCPU id. */
    private final int[] freeHead;
    private final int[] freeTail;

    Maptrack(int vcpus, int maxMaptrackFrames) {
        this.maxMaptrackFrames = maxMaptrackFrames;
        this.freeHead = new int[vcpus];
        this.freeTail = new int[vcpus];
        Arrays.fill(freeHead, MAPTRACK_TAIL);
        Arrays.fill(freeTail, MAPTRACK_TAIL);
    }

    /**
     * get_maptrack_handle (xen/common/grant_table.c) for a map issued on {@code vcpu}: each vCPU
     * of the domain has its own free list, and the hypercall door's vCPU index is Xen's
     * {@code current}. A list always keeps its last entry (_get_maptrack_handle: new free
     * entries are added at the tail), so a vCPU whose list holds one entry gets none from it. It
     * then takes a new maptrack frame while fewer than max_maptrack_frames exist (the first entry
     * is returned, the other 255 go to the head of its list), or else steals from the vCPUs'
     * lists, each keeping its last entry, after first stealing an entry to start a list of its
     * own if it has none (steal_maptrack_handle). Xen picks the first victim at random; xenabi
     * starts at the next vCPU, one of the orders Xen may take. So one vCPU with
     * max_maptrack_frames=1 gets 255 handles (row G7). Returns -1 when no handle is left.
     * {@code m} may be null to reserve the handle until {@link #install} publishes its finished
     * mapping. One lock serves every list: the outcomes are those of some order of Xen's.
     */
    public int newHandle(int vcpu, Mapping m) {
        maptrackLock.lock();
        try {
            int v = vcpu >= 0 && vcpu < freeHead.length ? vcpu : 0;
            int h = takeFree(v);
            if (h == MAPTRACK_TAIL) {
                if (maptrackLimit / MAPTRACK_PER_PAGE < maxMaptrackFrames) {
                    h = growMaptrack(v);
                } else {
                    if (freeTail[v] == MAPTRACK_TAIL) {
                        int sentinel = steal(v);
                        if (sentinel == MAPTRACK_TAIL) {
                            return -1;
                        }
                        maptrackNext[sentinel] = MAPTRACK_TAIL;
                        freeTail[v] = sentinel;
                        if (freeHead[v] == MAPTRACK_TAIL) {
                            freeHead[v] = sentinel;
                        }
                    }
                    h = steal(v);
                    if (h == MAPTRACK_TAIL) {
                        return -1;
                    }
                }
            }
            entries(h).set(h & (MAPTRACK_PER_PAGE - 1), m);
            return h;
        } finally {
            maptrackLock.unlock();
        }
    }

    /** _get_maptrack_handle: the head of {@code v}'s list, never its last entry; or MAPTRACK_TAIL. */
    private int takeFree(int v) {
        int head = freeHead[v];
        if (head == MAPTRACK_TAIL || maptrackNext[head] == MAPTRACK_TAIL) {
            return MAPTRACK_TAIL;
        }
        freeHead[v] = maptrackNext[head];
        return head;
    }

    /** steal_maptrack_handle: an entry from some vCPU's list, from now on {@code thief}'s. */
    private int steal(int thief) {
        for (int k = 1; k <= freeHead.length; k++) {
            int victim = (thief + k) % freeHead.length;
            int h = takeFree(victim);
            if (h != MAPTRACK_TAIL) {
                maptrackVcpu[h] = thief;
                return h;
            }
        }
        return MAPTRACK_TAIL;
    }

    /**
     * A new maptrack frame for vCPU {@code v} (maptrack lock held): returns its first handle; the
     * other 255 go to the head of {@code v}'s list, the last of them its tail if it had none.
     */
    private int growMaptrack(int v) {
        int first = maptrackLimit;
        int last = first + MAPTRACK_PER_PAGE - 1;
        AtomicReferenceArray<Mapping>[] grown = Arrays.copyOf(frames, frames.length + 1);
        grown[frames.length] = new AtomicReferenceArray<>(MAPTRACK_PER_PAGE);
        frames = grown;
        maptrackLimit = last + 1;
        maptrackNext = Arrays.copyOf(maptrackNext, last + 1);
        maptrackVcpu = Arrays.copyOf(maptrackVcpu, last + 1);
        for (int i = first; i <= last; i++) {
            maptrackNext[i] = i + 1;
            maptrackVcpu[i] = v;
        }
        maptrackNext[last] = freeHead[v];
        if (freeTail[v] == MAPTRACK_TAIL) {
            freeTail[v] = last;
        }
        freeHead[v] = first + 1;
        return first;
    }

    /** Publishes the mapping of a handle reserved with {@code newHandle(null)}. */
    public void install(int handle, Mapping m) {
        entries(handle).set(handle & (MAPTRACK_PER_PAGE - 1), m);
    }

    /** The mapping of {@code handle}, or null: read without the lock, as its frame never moves. */
    public Mapping mapping(long handle) {
        AtomicReferenceArray<Mapping>[] f = frames;
        if (handle < 0 || handle >= (long) f.length * MAPTRACK_PER_PAGE) {
            return null;
        }
        return f[(int) (handle / MAPTRACK_PER_PAGE)].get((int) (handle & (MAPTRACK_PER_PAGE - 1)));
    }

    /** The frame holding {@code handle}'s entry (a handle that was given out). */
    private AtomicReferenceArray<Mapping> entries(int handle) {
        return frames[handle / MAPTRACK_PER_PAGE];
    }

    @SuppressWarnings("unchecked")
    private static AtomicReferenceArray<Mapping>[] newFrames(int n) {
        return (AtomicReferenceArray<Mapping>[]) new AtomicReferenceArray<?>[n];
    }

    /**
     * put_maptrack_handle: a freed handle goes to the TAIL of the free list of the vCPU it
     * belongs to (row G6), so a map after an unmap gets the next handle, not the one just freed.
     */
    public void freeHandle(int handle) {
        maptrackLock.lock();
        try {
            entries(handle).set(handle & (MAPTRACK_PER_PAGE - 1), null);
            maptrackNext[handle] = MAPTRACK_TAIL;
            int v = maptrackVcpu[handle];
            if (freeTail[v] == MAPTRACK_TAIL) {
                freeHead[v] = handle; // not reached: an entry's vCPU always has a list
            } else {
                maptrackNext[freeTail[v]] = handle;
            }
            freeTail[v] = handle;
        } finally {
            maptrackLock.unlock();
        }
    }

    /** The handles in use now (for gnttab_release_mappings). */
    public List<Integer> handlesInUse() {
        maptrackLock.lock();
        try {
            List<Integer> out = new ArrayList<>();
            for (int h = 0; h < maptrackLimit; h++) {
                if (mapping(h) != null) {
                    out.add(h);
                }
            }
            return out;
        } finally {
            maptrackLock.unlock();
        }
    }

    /** Handles in use, for tests and the shell. */
    public int mappingsInUse() {
        maptrackLock.lock();
        try {
            int n = 0;
            for (int h = 0; h < maptrackLimit; h++) {
                n += mapping(h) != null ? 1 : 0;
            }
            return n;
        } finally {
            maptrackLock.unlock();
        }
    }
}
