package io.xenabi.itests;

import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.Hypervisor;
import io.xenabi.guest.Guests;
import java.util.ArrayList;
import java.util.List;
import javax.inject.Inject;
import org.junit.After;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;

/** What the guest-driven tests share: the services, the run, and domains removed after each test. */
public abstract class GuestDomains {
    @Inject
    protected Hypervisor hypervisor;

    @Inject
    protected Guests guests;

    @Inject
    protected org.osgi.framework.BundleContext context;

    private final List<Integer> created = new ArrayList<>();

    @Configuration
    public Option[] config() {
        return XenabiOptions.xenabi();
    }

    /** The installed bundle named {@code symbolicName}. */
    protected org.osgi.framework.Bundle installedBundle(String symbolicName) {
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            if (b.getSymbolicName().equals(symbolicName)) {
                return b;
            }
        }
        throw new AssertionError(symbolicName + " is not installed");
    }

    /** Creates a domain that is stopped and destroyed after the test. */
    protected int domain(DomainConfig config) {
        int domid = hypervisor.create(config);
        created.add(domid);
        return domid;
    }

    @After
    public void cleanUp() {
        for (int domid : created) {
            if (guests.kernel(domid).isPresent()) {
                guests.stop(domid);
            }
            hypervisor.destroy(domid);
        }
        created.clear();
    }
}
