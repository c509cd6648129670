package io.xenabi.domain.impl.save;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainException;
import io.xenabi.domain.DomainState;
import io.xenabi.domain.Restored;
import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.DomainTable;
import io.xenabi.domain.impl.domains.PermitSet;
import io.xenabi.domain.impl.gnttab.Grants;
import io.xenabi.domain.impl.lifecycle.Lifecycle;
import io.xenabi.domain.impl.variants.Variants;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** xl save and xl restore: a domain to a {@link SaveImage} and back. */
public final class SaveRestore {
    private final DomainTable table;
    private final Variants variants;
    private final Lifecycle lifecycle;

    public SaveRestore(DomainTable table, Variants variants, Lifecycle lifecycle) {
        this.table = table;
        this.variants = variants;
        this.lifecycle = lifecycle;
    }

    public void save(int domid, Path file, Map<String, String> notes) {
        if (domid == DomainTable.DOMID_0) {
            throw new DomainException("Domain-0 cannot be saved");
        }
        Domain d = table.domain(domid);
        DomainState before = d.state();
        boolean paused = before == DomainState.PAUSED;
        if (before == DomainState.RUNNING) {
            lifecycle.pause(domid);
        }
        try {
            Set<GuestPage> hypervisorPages = Collections.newSetFromMap(new IdentityHashMap<>());
            hypervisorPages.add(d.sharedInfo);
            Grants g = Grants.of(d);
            if (g != null) {
                g.enter();
                try {
                    for (int i = 0; i < g.nrFrames(); i++) {
                        hypervisorPages.add(g.sharedFrame(i));
                    }
                    for (int i = 0; i < g.nrStatusFrames(); i++) {
                        hypervisorPages.add(g.statusFrame(i));
                    }
                } finally {
                    g.lock.unlock();
                }
            }
            List<GuestMemory.Mapped> ram = new ArrayList<>();
            for (GuestMemory.Mapped m : d.memory.presentPages()) {
                // a grant mapping's page is another domain's, not ours to save (with or without a
                // handle: an unmap may take away another mapping of the frame than its own)
                if (!hypervisorPages.contains(m.page()) && !d.memory.isForeign(m.gfn())) {
                    ram.add(m);
                }
            }
            Map<String, String> used = new LinkedHashMap<>();
            used.put(AbiVariant.FAMILY_EVTCHN, d.evtchnVariant == null ? "-" : d.evtchnVariant.name());
            used.put(AbiVariant.FAMILY_GNTTAB, g == null ? "-" : g.variant.name());
            SaveImage.write(file, d.config, d.permit.shown(variants.all()), used, notes == null ? Map.of() : notes, d.sharedInfo, ram);
        } catch (IOException e) {
            if (!paused) {
                lifecycle.unpause(domid);
            }
            throw new DomainException("cannot write " + file + ": " + SaveImage.cause(e));
        }
        lifecycle.destroy(domid);
    }

    /**
     * xl restore. The domain keeps the permit set its image carries, never widened on any host:
     * narrowed only by this host's maximum; a variant in it that this host lacks stays in it
     * (part of the guest's original view) and is usable once it arrives. A variant the guest
     * used must be present and in the set. A version 1 image carries no set: its set is the
     * advanced variants its guest used.
     */
    public Restored restore(Path file) {
        SaveImage.Contents img = SaveImage.read(file);
        DomainConfig config = img.config();
        List<AbiVariant> carried = img.permit() != null ? img.permit() : usedAdvanced(img);
        PermitSet fixed = PermitSet.of(carried.stream().filter(lifecycle::hostMaxPermits).toList());
        for (Map.Entry<String, String> e : img.used().entrySet()) {
            Variants.Impl<Object> v = variants.get(e.getKey(), e.getValue());
            String q = e.getKey() + "-" + e.getValue();
            if (e.getValue().equals("-")) {
                continue;
            }
            if (v == null) {
                throw new DomainException("the image's guest used " + q + ", which this host does not have");
            }
            if (!v.variant().isBase() && !fixed.permits(v.variant())) {
                for (AbiVariant c : carried) {
                    if (c.qualifiedName().equals(q) && c.capability() != v.variant().capability()) {
                        throw new DomainException("the image's guest used " + q + " with bit " + c.capability()
                                + ", which is bit " + v.variant().capability() + " on this host");
                    }
                }
                throw new DomainException("the image's guest used " + q + ", which this host does not permit");
            }
        }
        table.checkNameFree(config.name());
        for (long gfn : img.gfns()) {
            if (gfn < 0 || gfn >= (config.memoryMiB() << 8)) {
                throw new DomainException("the image has a page at gfn " + gfn + " beyond its memory: corrupted");
            }
        }
        int domid = lifecycle.create(config, fixed);
        Domain d = table.get(domid);
        for (int i = 0; i < img.gfns().size(); i++) {
            d.memory.page(img.gfns().get(i)).write(0, img.pages().get(i), 0, GuestPage.PAGE_SIZE);
        }
        d.sharedInfo.write(0, img.sharedInfo(), 0, GuestPage.PAGE_SIZE);
        return new Restored(domid, img.notes(), img.used());
    }

    /**
     * A version 1 image's permit set: the advanced variants its guest used that its bitmap
     * permits, by the stable public bit or the bit of the variant present here (a variant absent
     * here is refused anyway).
     */
    private List<AbiVariant> usedAdvanced(SaveImage.Contents img) {
        List<AbiVariant> out = new ArrayList<>();
        for (Map.Entry<String, String> e : img.used().entrySet()) {
            if (e.getValue().equals("-")) {
                continue;
            }
            int bit = AbiCapability.bitOf(e.getKey() + "-" + e.getValue());
            if (bit == -2) {
                Variants.Impl<Object> v = variants.get(e.getKey(), e.getValue());
                if (v == null) {
                    continue;
                }
                bit = v.variant().capability();
            }
            if (bit != AbiCapability.BASE && AbiCapability.permits(img.config().abiPermit(), bit)) {
                out.add(new AbiVariant(e.getKey(), e.getValue(), bit));
            }
        }
        return out;
    }
}
