package io.xenabi.domain.impl.nativeguest;

import io.xenabi.abi.GuestPage;
import io.xenabi.abi.GuestPhysmap;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.NativeDomain;
import io.xenabi.domain.NativeGuests;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.PermitSet;
import org.osgi.annotation.bundle.Capability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Native guests' files under the run folder (0700): {@code dom<id>.ram} (the RAM, 0600) and
 * {@code dom<id>.shinfo} (the shared_info page, 0600), and the listeners of the guest bridge.
 * With a run folder, a Java domain's RAM is a file there too ({@code dom<id>.ram}), so that a
 * native domain can map its grants.
 *
 * <p>The isolation rule: a physmap change is passed on as a file only when it holds what this
 * domain may see: its own RAM file or one of its page files, or, for a page that a live grant
 * mapping of this domain is putting there now (Grants#placingGrantedPage), the granter's file
 * at that granted frame. Anything else (a heap page, another domain's page put there any other
 * way) becomes a hole for the process, with one log line, so no process is ever told another
 * domain's file at a frame that was not granted to it.
 */
@Capability(namespace = "osgi.service",
        attribute = "objectClass:List<String>=io.xenabi.domain.NativeGuests", uses = NativeGuests.class)
public final class NativeGuestsImpl implements NativeGuests {
    private static final System.Logger LOG = System.getLogger(NativeGuestsImpl.class.getName());
    private volatile Path runFolder;
    private final Map<Integer, Handle> domains = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();

    public NativeGuestsImpl() {
        String home = System.getProperty("xenabi.home");
        if (home != null && !home.isEmpty()) {
            this.runFolder = Path.of(home, "run").toAbsolutePath();
        }
    }

    /** Sets the run folder (tests, or a configured one); created 0700 when it is first used. */
    public void setRunFolder(Path folder) {
        this.runFolder = folder == null ? null : folder.toAbsolutePath();
    }

    @Override
    public Optional<Path> runFolder() {
        return Optional.ofNullable(runFolder);
    }

    private Path ensureRunFolder() {
        Path dir = runFolder;
        if (dir == null) {
            throw new DomainException("native_guest = 1 needs a run folder: start xenabi with a home (--home DIR)");
        }
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
            if (!now.equals(PosixFilePermissions.fromString("rwx------"))) {
                throw new DomainException("the run folder " + dir + " is not 0700");
            }
        } catch (IOException e) {
            throw new DomainException("cannot create the run folder " + dir + ": " + e.getMessage());
        }
        return dir;
    }

    /** The domain of a native guest: RAM in {@code dom<id>.ram}, shared_info in {@code dom<id>.shinfo}. */
    public Domain newDomain(int domid, DomainConfig config, int nrPirqs, PermitSet permit) {
        Path dir = ensureRunFolder();
        Path ram = dir.resolve("dom" + domid + ".ram");
        Path shinfo = dir.resolve("dom" + domid + ".shinfo");
        try {
            deleteStale(dir, domid);
            GuestPhysmap physmap = GuestPhysmap.inFile(ram, config.memoryMiB() << (20 - GuestPage.PAGE_SHIFT));
            return new Domain(domid, config, nrPirqs, permit, physmap, GuestPage.ofFile(shinfo),
                    io.xenabi.domain.impl.memory.HypervisorPages.inFiles(dir, domid));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DomainException("cannot create the files of native domain " + domid + " in " + dir + ": "
                    + e.getMessage());
        }
    }

    /**
     * The RAM of a Java domain created now: on a host with a run folder, a file of its own there
     * ({@code dom<id>.ram}, 0600) so that native domains can map its grants (no copy: the
     * process maps the granted frame of that file); otherwise on the heap. A folder that cannot
     * be used leaves the domain on the heap, with one log line.
     */
    public io.xenabi.abi.GuestPhysmap javaRam(int domid, long nrPages) {
        Path dir = runFolder;
        if (dir != null) {
            try {
                ensureRunFolder();
                deleteStale(dir, domid);
                return GuestPhysmap.inFile(dir.resolve("dom" + domid + ".ram"), nrPages);
            } catch (DomainException | IOException | java.io.UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, "d" + domid + ": RAM on the heap (no native domain can map"
                        + " its grants): " + e.getMessage());
            }
        }
        return GuestPhysmap.create(nrPages);
    }

    /** A Java domain is gone: its RAM file, if it has one, goes. */
    public void javaDestroyed(Domain d) {
        Path f = d.memory.file();
        if (f != null) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "d" + d.domid + ": its RAM file stays: " + e.getMessage());
            }
        }
    }

    /** A previous run's files of this domid (the same owner's, in our 0700 folder) are gone first. */
    private static void deleteStale(Path dir, int domid) throws IOException {
        for (String suffix : new String[] {".ram", ".shinfo", ".sock"}) {
            Files.deleteIfExists(dir.resolve("dom" + domid + suffix));
        }
    }

    /** The domain is in the table: the bridge may serve it. */
    public void created(Domain d) {
        Handle h = new Handle(d, runFolder);
        domains.put(d.domid, h);
        d.physmap.listen(h::physmapChanged);
        for (Listener l : listeners) {
            l.created(h);
        }
    }

    /** The domain is gone: the bridge lets go, its files are deleted. */
    public void destroyed(Domain d) {
        Handle h = domains.remove(d.domid);
        if (h == null) {
            return;
        }
        d.physmap.listen(null);
        for (Listener l : listeners) {
            l.destroyed(d.domid);
        }
        try {
            Files.deleteIfExists(h.ramFile());
            Files.deleteIfExists(d.sharedInfo.file().path());
            d.hypervisorPages.release();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "d" + d.domid + ": its files stay: " + e.getMessage());
        }
    }

    @Override
    public Optional<NativeDomain> nativeDomain(int domid) {
        return Optional.ofNullable(domains.get(domid));
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
        for (Handle h : domains.values()) {
            listener.created(h);
        }
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** One native domain as the bridge sees it. */
    static final class Handle implements NativeDomain {
        private final Domain d;
        private final Path folder;
        private volatile PhysmapListener physmap;

        Handle(Domain d, Path folder) {
            this.d = d;
            this.folder = folder;
        }

        @Override
        public int domid() {
            return d.domid;
        }

        @Override
        public int vcpus() {
            return d.vcpus.length;
        }

        @Override
        public long ramBytes() {
            return d.memory.nrPages() << GuestPage.PAGE_SHIFT;
        }

        @Override
        public Path ramFile() {
            return d.memory.file();
        }

        @Override
        public void onUpcall(int vcpu, Runnable upcall) {
            d.vcpus[vcpu].upcallListener = upcall;
        }

        @Override
        public boolean resumeFromSuspend() {
            // xen/common/domain.c, domain_resume: is_shutting_down and shutdown_code cleared,
            // the vCPUs run again (those blocked re-check their condition).
            synchronized (d) {
                if (d.dying || !d.shuttingDown || d.shutdownReason != io.xenabi.abi.SchedOp.SHUTDOWN_suspend) {
                    return false;
                }
                d.shuttingDown = false;
                d.shutdownReason = Domain.SHUTDOWN_CODE_INVALID;
            }
            for (io.xenabi.domain.impl.domains.Vcpu v : d.vcpus) {
                v.recheck(); // vcpu_unpause's vcpu_wake: a blocked vCPU stays blocked
            }
            return true;
        }

        @Override
        public boolean upcallPending(int vcpu) {
            return d.upcallPending(vcpu);
        }

        @Override
        public void onPhysmap(PhysmapListener listener) {
            this.physmap = listener;
        }

        void physmapChanged(long gfn, GuestPage page, boolean readonly) {
            PhysmapListener l = physmap;
            if (l == null) {
                return;
            }
            GuestPage.FileSpan f = page.file();
            String own = "dom" + d.domid + ".";
            if (f != null && (f.path().equals(ramFile())
                    || (f.path().getParent() != null && f.path().getParent().equals(folder)
                            && f.path().getFileName().toString().startsWith(own)))) {
                l.changed(gfn, f.path(), f.offset(), readonly);
                return;
            }
            // Another domain's page: named only as the granted frame a grant mapping of this
            // domain is putting here now (the process then maps that page of the granter's file,
            // sharing its bytes), never for a page placed any other way.
            io.xenabi.domain.impl.gnttab.Grants g = io.xenabi.domain.impl.gnttab.Grants.of(d);
            boolean granted = g != null && g.placingGrantedPage(gfn, page);
            if (f != null && granted) {
                l.changed(gfn, f.path(), f.offset(), readonly);
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "d" + d.domid + ": gfn " + gfn + " is now a page the native guest"
                    + " cannot share (" + (f == null ? "on the heap" : "not granted to it") + "): a hole"
                    + " for it");
            l.changed(gfn, null, 0, readonly);
        }
    }
}
