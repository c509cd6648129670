package io.xenabi.abi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A domain's guest-physical memory: {@link #nrPages()} pages of 4 KiB, addressed by gfn, each
 * allocated the first time it is touched (a fresh page reads as zeros). Any address outside the
 * domain's RAM raises {@link GuestFault}, which the hypercall door answers with
 * {@code -EFAULT}.
 *
 * <p>Pages owned by the hypervisor (shared_info, grant frames) are placed into the physmap
 * through the memory's {@link GuestPhysmap}, as {@code XENMEM_add_to_physmap} does: the guest
 * then sees them at that gfn and whatever page was there before is gone. Only the creator of
 * the memory (the hypervisor) holds its physmap; a guest given the memory can read and write
 * it, never remap it.
 *
 * <p>The page table has two levels (chunks of {@value #CHUNK_PAGES} page references) so an idle
 * domain with a large memory size costs only its directory.
 *
 * <p>The memory may live in a shared memory file of its own ({@link GuestPhysmap#inFile}): byte
 * {@code gpa} of the file is guest physical address {@code gpa}, so a native guest process that
 * maps the file sees the same RAM. Its pages are then slices of the file's mapping, created on
 * first touch as heap pages are.
 */
public final class GuestMemory {
    private static final int CHUNK_SHIFT = 9;
    static final int CHUNK_PAGES = 1 << CHUNK_SHIFT;

    private final long nrPages;
    private final AtomicReferenceArray<AtomicReferenceArray<GuestPage>> directory;
    /**
     * Gfns where a page of another domain is mapped (a grant mapping), each with whether it is
     * read-only: Xen's p2m_grant_map_rw / p2m_grant_map_ro entries.
     */
    private final AtomicReferenceArray<AtomicIntegerArray> foreign;
    /** How many gfns map a foreign page now: while none do, the lookups skip the flags. */
    private final AtomicInteger foreignPages = new AtomicInteger();
    /** A gfn's foreign flag: unset (the domain's own page), a writable or a read-only grant mapping. */
    private static final int OWN = 0;
    private static final int FOREIGN_RW = 1;
    private static final int FOREIGN_RO = 2;
    /** The RAM file, or null for memory on the heap. */
    private final Path file;
    /** The file's mapping in regions of {@value #REGION_PAGES} pages (FileChannel.map's limit is 2 GiB), or null. */
    private final MappedByteBuffer[] regions;
    private static final int REGION_SHIFT = 18;
    static final int REGION_PAGES = 1 << REGION_SHIFT;
    /** Told of every physmap change (the native guest's bridge), or null. */
    private volatile GuestPhysmap.Listener listener;

    /** Creates memory of {@code nrPages} pages (at most 2^31 chunks' worth). */
    public GuestMemory(long nrPages) {
        if (nrPages <= 0 || (nrPages >>> CHUNK_SHIFT) >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("guest memory of " + nrPages + " pages");
        }
        this.nrPages = nrPages;
        this.directory = new AtomicReferenceArray<>((int) ((nrPages + CHUNK_PAGES - 1) >>> CHUNK_SHIFT));
        this.foreign = new AtomicReferenceArray<>(directory.length());
        this.file = null;
        this.regions = null;
    }

    /** Memory of {@code nrPages} pages in the new file {@code file} (mode 0600, sparse, zeroed). */
    GuestMemory(long nrPages, Path file) {
        if (nrPages <= 0 || (nrPages >>> CHUNK_SHIFT) >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("guest memory of " + nrPages + " pages");
        }
        this.nrPages = nrPages;
        this.directory = new AtomicReferenceArray<>((int) ((nrPages + CHUNK_PAGES - 1) >>> CHUNK_SHIFT));
        this.foreign = new AtomicReferenceArray<>(directory.length());
        this.file = file;
        this.regions = new MappedByteBuffer[(int) ((nrPages + REGION_PAGES - 1) >>> REGION_SHIFT)];
        try (FileChannel ch = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")))) {
            ch.truncate(nrPages << GuestPage.PAGE_SHIFT);
            for (int r = 0; r < regions.length; r++) {
                long first = (long) r << REGION_SHIFT;
                long pages = Math.min(REGION_PAGES, nrPages - first);
                regions[r] = ch.map(FileChannel.MapMode.READ_WRITE, first << GuestPage.PAGE_SHIFT,
                        pages << GuestPage.PAGE_SHIFT);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the RAM file " + file, e);
        }
    }

    /** The RAM file this memory lives in, or null when it is on the heap. */
    public Path file() {
        return file;
    }

    /** The page of the RAM file at {@code gfn}. */
    private GuestPage filePage(long gfn) {
        MappedByteBuffer region = regions[(int) (gfn >>> REGION_SHIFT)];
        int at = (int) ((gfn & (REGION_PAGES - 1)) << GuestPage.PAGE_SHIFT);
        return GuestPage.ofBuffer(region.duplicate().position(at),
                new GuestPage.FileSpan(file, gfn << GuestPage.PAGE_SHIFT));
    }

    /** Creates memory of {@code mib} MiB. */
    public static GuestMemory ofMiB(long mib) {
        return new GuestMemory(mib << (20 - GuestPage.PAGE_SHIFT));
    }

    public long nrPages() {
        return nrPages;
    }

    /** Whether {@code gfn} names a page of this domain's RAM. */
    public boolean isValidGfn(long gfn) {
        return gfn >= 0 && gfn < nrPages;
    }

    /** The page at {@code gfn}, allocated on first touch. */
    public GuestPage page(long gfn) {
        if (!isValidGfn(gfn)) {
            throw new GuestFault(gfn << GuestPage.PAGE_SHIFT);
        }
        AtomicReferenceArray<GuestPage> chunk = chunk((int) (gfn >>> CHUNK_SHIFT));
        int slot = (int) (gfn & (CHUNK_PAGES - 1));
        GuestPage page = chunk.get(slot);
        if (page == null) {
            GuestPage fresh = regions == null ? new GuestPage() : filePage(gfn);
            page = chunk.compareAndExchange(slot, null, fresh);
            if (page == null) {
                page = fresh;
            }
        }
        return page;
    }

    /** The physmap mutators of this memory: handed out once, to its creator ({@link GuestPhysmap#create}). */
    GuestPhysmap physmap() {
        return new GuestPhysmap() {
            @Override
            public GuestMemory memory() {
                return GuestMemory.this;
            }

            @Override
            public GuestPage map(long gfn, GuestPage page) {
                return GuestMemory.this.map(gfn, page);
            }

            @Override
            public GuestPage mapForeign(long gfn, GuestPage page, boolean readonly) {
                return GuestMemory.this.mapForeign(gfn, page, readonly);
            }

            @Override
            public void listen(GuestPhysmap.Listener l) {
                listener = l;
            }

            @Override
            public GuestPage ramPage(long gfn) {
                if (!isValidGfn(gfn)) {
                    throw new GuestFault(gfn << GuestPage.PAGE_SHIFT);
                }
                return regions == null ? new GuestPage() : filePage(gfn);
            }
        };
    }

    /** {@link GuestPhysmap#map}. */
    private GuestPage map(long gfn, GuestPage page) {
        if (!isValidGfn(gfn)) {
            throw new GuestFault(gfn << GuestPage.PAGE_SHIFT);
        }
        return place(gfn, page, false, false);
    }

    private GuestPage place(long gfn, GuestPage page, boolean isForeign, boolean readonly) {
        if (!isValidGfn(gfn)) {
            throw new GuestFault(gfn << GuestPage.PAGE_SHIFT);
        }
        setForeign(gfn, isForeign ? (readonly ? FOREIGN_RO : FOREIGN_RW) : OWN);
        GuestPage old = chunk((int) (gfn >>> CHUNK_SHIFT)).getAndSet((int) (gfn & (CHUNK_PAGES - 1)), page);
        GuestPhysmap.Listener l = listener;
        if (l != null) {
            l.mapped(gfn, page, readonly);
        }
        return old;
    }

    /** {@link GuestPhysmap#mapForeign}. */
    private GuestPage mapForeign(long gfn, GuestPage page, boolean readonly) {
        return place(gfn, page, true, readonly);
    }

    /**
     * Whether the page at {@code gfn} belongs to another domain (a grant mapping): such a page
     * cannot be granted, copied by gmfn, or used for event-channel control blocks, as Xen's
     * get_page_from_gfn refuses a page the domain does not own.
     */
    public boolean isForeign(long gfn) {
        return foreignFlag(gfn) != OWN;
    }

    /** Whether writes to {@code gfn} are discarded (a read-only grant mapping). */
    public boolean isReadOnly(long gfn) {
        return foreignFlag(gfn) == FOREIGN_RO;
    }

    /** The gfn at which {@code page} is mapped, or -1; a linear scan, for slow paths only. */
    /** A page that is present in the physmap, with its gfn. */
    public record Mapped(long gfn, GuestPage page) {
    }

    /** Every page present now (touched or mapped), in gfn order: what a save writes. */
    public java.util.List<Mapped> presentPages() {
        java.util.List<Mapped> out = new java.util.ArrayList<>();
        for (int c = 0; c < directory.length(); c++) {
            AtomicReferenceArray<GuestPage> chunk = directory.get(c);
            if (chunk == null) {
                continue;
            }
            for (int s = 0; s < CHUNK_PAGES; s++) {
                GuestPage p = chunk.get(s);
                if (p != null) {
                    out.add(new Mapped(((long) c << CHUNK_SHIFT) | s, p));
                }
            }
        }
        return out;
    }

    public long gfnOf(GuestPage page) {
        for (int c = 0; c < directory.length(); c++) {
            AtomicReferenceArray<GuestPage> chunk = directory.get(c);
            if (chunk == null) {
                continue;
            }
            for (int s = 0; s < CHUNK_PAGES; s++) {
                if (chunk.get(s) == page) {
                    return ((long) c << CHUNK_SHIFT) | s;
                }
            }
        }
        return -1;
    }

    /** The foreign flag of {@code gfn}: a flag per page, in chunks made on a chunk's first foreign mapping. */
    private int foreignFlag(long gfn) {
        if (foreignPages.get() == 0 || !isValidGfn(gfn)) {
            return OWN;
        }
        AtomicIntegerArray flags = foreign.get((int) (gfn >>> CHUNK_SHIFT));
        return flags == null ? OWN : flags.get((int) (gfn & (CHUNK_PAGES - 1)));
    }

    private void setForeign(long gfn, int flag) {
        int index = (int) (gfn >>> CHUNK_SHIFT);
        AtomicIntegerArray flags = foreign.get(index);
        if (flags == null) {
            if (flag == OWN) {
                return;
            }
            AtomicIntegerArray fresh = new AtomicIntegerArray(CHUNK_PAGES);
            flags = foreign.compareAndExchange(index, null, fresh);
            if (flags == null) {
                flags = fresh;
            }
        }
        int old = flags.getAndSet((int) (gfn & (CHUNK_PAGES - 1)), flag);
        if (old == OWN && flag != OWN) {
            foreignPages.incrementAndGet();
        } else if (old != OWN && flag == OWN) {
            foreignPages.decrementAndGet();
        }
    }

    private AtomicReferenceArray<GuestPage> chunk(int index) {
        AtomicReferenceArray<GuestPage> chunk = directory.get(index);
        if (chunk == null) {
            AtomicReferenceArray<GuestPage> fresh = new AtomicReferenceArray<>(CHUNK_PAGES);
            chunk = directory.compareAndExchange(index, null, fresh);
            if (chunk == null) {
                chunk = fresh;
            }
        }
        return chunk;
    }

    private GuestPage pageAt(long gpa) {
        if (gpa < 0) {
            throw new GuestFault(gpa);
        }
        return page(gpa >>> GuestPage.PAGE_SHIFT);
    }

    private static int offset(long gpa) {
        return (int) (gpa & (GuestPage.PAGE_SIZE - 1));
    }

    private static void requireAligned(long gpa, int size) {
        if ((gpa & (size - 1)) != 0) {
            throw new GuestFault(gpa);
        }
    }

    // Scalar accessors. Multi-byte fields in Xen's argument structs are naturally aligned, so a
    // misaligned address is treated as a fault rather than split across pages.

    public int read8(long gpa) {
        return pageAt(gpa).get8(offset(gpa)) & 0xFF;
    }

    public void write8(long gpa, int value) {
        GuestPage p = pageAt(gpa);
        if (!isReadOnly(gpa >>> GuestPage.PAGE_SHIFT)) {
            p.set8(offset(gpa), (byte) value);
        }
    }

    public int read16(long gpa) {
        requireAligned(gpa, 2);
        return pageAt(gpa).get16(offset(gpa)) & 0xFFFF;
    }

    public void write16(long gpa, int value) {
        requireAligned(gpa, 2);
        GuestPage p = pageAt(gpa);
        if (!isReadOnly(gpa >>> GuestPage.PAGE_SHIFT)) {
            p.set16(offset(gpa), (short) value);
        }
    }

    public int read32(long gpa) {
        requireAligned(gpa, 4);
        return pageAt(gpa).get32(offset(gpa));
    }

    public void write32(long gpa, int value) {
        requireAligned(gpa, 4);
        GuestPage p = pageAt(gpa);
        if (!isReadOnly(gpa >>> GuestPage.PAGE_SHIFT)) {
            p.set32(offset(gpa), value);
        }
    }

    public long read64(long gpa) {
        requireAligned(gpa, 8);
        return pageAt(gpa).get64(offset(gpa));
    }

    public void write64(long gpa, long value) {
        requireAligned(gpa, 8);
        GuestPage p = pageAt(gpa);
        if (!isReadOnly(gpa >>> GuestPage.PAGE_SHIFT)) {
            p.set64(offset(gpa), value);
        }
    }

    /**
     * Checks that {@code length} bytes from {@code gpa} are guest RAM (Xen's
     * {@code guest_handle_okay}), without touching them.
     */
    public void checkRange(long gpa, long length) {
        if (gpa < 0 || length < 0) {
            throw new GuestFault(gpa);
        }
        if (length == 0) {
            return;
        }
        long last = gpa + length - 1;
        if (last < gpa || !isValidGfn(gpa >>> GuestPage.PAGE_SHIFT)
                || !isValidGfn(last >>> GuestPage.PAGE_SHIFT)) {
            throw new GuestFault(gpa);
        }
    }

    /** Copies guest bytes into {@code dst}, across page boundaries ({@code copy_from_guest}). */
    public void read(long gpa, byte[] dst, int dstOffset, int length) {
        checkRange(gpa, length);
        while (length > 0) {
            int off = offset(gpa);
            int n = Math.min(length, GuestPage.PAGE_SIZE - off);
            pageAt(gpa).read(off, dst, dstOffset, n);
            gpa += n;
            dstOffset += n;
            length -= n;
        }
    }

    /** Copies {@code src} into guest memory, across page boundaries ({@code copy_to_guest}). */
    public void write(long gpa, byte[] src, int srcOffset, int length) {
        checkRange(gpa, length);
        while (length > 0) {
            int off = offset(gpa);
            int n = Math.min(length, GuestPage.PAGE_SIZE - off);
            GuestPage p = pageAt(gpa);
            if (!isReadOnly(gpa >>> GuestPage.PAGE_SHIFT)) {
                p.write(off, src, srcOffset, n);
            }
            gpa += n;
            srcOffset += n;
            length -= n;
        }
    }
}
