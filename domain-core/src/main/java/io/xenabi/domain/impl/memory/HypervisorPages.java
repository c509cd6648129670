package io.xenabi.domain.impl.memory;

import io.xenabi.abi.GuestPage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the hypervisor's own pages for one domain come from (Xen's {@code alloc_xenheap_page}
 * for grant frames and v2 status frames): heap pages for a Java guest; for a native guest,
 * pages in files of their own under the run folder ({@code dom<id>.hyp<n>}, 0600), so that the
 * guest process can map them where the domain placed them (docs/native-guests.md, PHYSMAP).
 * Only the page's allocation differs: its accessors are the same either way.
 */
public interface HypervisorPages {
    /** A zeroed hypervisor page for the domain. */
    GuestPage fresh();

    /** Deletes the files this factory made (the domain is gone). */
    default void release() {
    }

    /** Heap pages: Java guests, whose pages no process maps. */
    HypervisorPages HEAP = GuestPage::new;

    /** Pages in files {@code <folder>/dom<domid>.hyp<n>}. */
    static HypervisorPages inFiles(Path folder, int domid) {
        return new HypervisorPages() {
            private final AtomicInteger next = new AtomicInteger();

            @Override
            public GuestPage fresh() {
                return GuestPage.ofFile(folder.resolve("dom" + domid + ".hyp" + next.getAndIncrement()));
            }

            @Override
            public void release() {
                for (int i = 0, n = next.get(); i < n; i++) {
                    try {
                        Files.deleteIfExists(folder.resolve("dom" + domid + ".hyp" + i));
                    } catch (IOException e) {
                        System.getLogger(HypervisorPages.class.getName()).log(System.Logger.Level.WARNING,
                                "d" + domid + ": a hypervisor page file stays: " + e.getMessage());
                    }
                }
            }
        };
    }
}
