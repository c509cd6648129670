package io.xenabi.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.Hypercall;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.gnttab.GnttabOp;
import java.io.File;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.osgi.framework.Bundle;

/**
 * A domain's permit set is fixed when it is created, to the variants present then (FIDELITY-GAPS
 * P1), with a real bundle installed and uninstalled in a real framework: the test-only
 * gnttab-v3 bundle (bit 2) installed after a domain was created never reaches it; removed and
 * installed again, it is the same variant and the domains that had it keep it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
public class FixedPermitIT extends GuestDomains {
    private static final long ARG = 8L * 4096;

    private long setVersion(int domid, int version) {
        GuestMemory m = hypervisor.memory(domid);
        m.write32(ARG + GnttabOp.SET_VERSION_VERSION, version);
        return hypervisor.hypercall(domid, 0, Hypercall.__HYPERVISOR_grant_table_op, GnttabOp.GNTTABOP_set_version,
                ARG, 1);
    }

    private boolean v3Present() {
        return hypervisor.variants().stream().anyMatch(v -> v.qualifiedName().equals("gnttab-v3"));
    }

    /** Installs and starts the v3 bundle; returns once the hypervisor has its service. */
    private Bundle installV3() throws Exception {
        File jar = new File(System.getProperty("xenabi.bundle.gnttab-v3", ""));
        assertTrue("the v3 bundle " + jar + " is built", jar.isFile());
        Bundle b = context.installBundle(jar.toURI().toString());
        b.start();
        awaitV3(true);
        return b;
    }

    private void awaitV3(boolean present) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (v3Present() != present) {
            assertTrue("gnttab-v3 " + (present ? "arrives" : "leaves"), System.nanoTime() < deadline);
            Thread.sleep(10);
        }
    }

    private DomainInfo info(int domid) {
        return hypervisor.info(domid).orElseThrow();
    }

    @Test
    public void aDomainCreatedBeforeTheV3BundleNeverGetsV3AndOneCreatedAfterDoes() throws Exception {
        assertFalse(v3Present());
        int before = domain(DomainConfig.named("before"));
        Bundle v3 = installV3();
        try {
            int after = domain(DomainConfig.named("after"));
            assertEquals("the default permit is the variants present when it was created", -XenErrno.ENOSYS,
                    setVersion(before, 3));
            assertEquals(1, hypervisor.grantVersion(before));
            assertEquals(0, setVersion(after, 3));
            assertEquals(3, hypervisor.grantVersion(after));
            assertEquals(List.of("evtchn-fifo", "gnttab-v2"), info(before).permitNames());
            assertFalse(info(before).permitsEveryVariant());
            assertEquals(List.of("evtchn-fifo", "gnttab-v2", "gnttab-v3"), info(after).permitNames());
            assertTrue(info(after).permitsEveryVariant());
            assertEquals(0, setVersion(after, 1));
        } finally {
            v3.uninstall();
        }
    }

    @Test
    public void v3UninstalledAndInstalledAgainUnderRunningGuestsThatHadItIsKept() throws Exception {
        Bundle first = installV3();
        int user = domain(DomainConfig.named("user"));
        int idle = domain(DomainConfig.named("idle"));
        assertEquals(0, setVersion(user, 3));
        first.uninstall();
        awaitV3(false);
        int meanwhile = domain(DomainConfig.named("meanwhile"));
        Bundle again = installV3();
        try {
            assertTrue("a new bundle", again.getBundleId() != first.getBundleId());
            assertEquals("the guest on v3 goes on on it", 3, hypervisor.grantVersion(user));
            assertEquals(0, setVersion(user, 3));
            assertEquals("permitted, unused: still permitted", 0, setVersion(idle, 3));
            assertEquals(List.of("evtchn-fifo", "gnttab-v2", "gnttab-v3"), info(idle).permitNames());
            assertEquals("created while v3 was away: never gets it", -XenErrno.ENOSYS, setVersion(meanwhile, 3));
            assertEquals(0, setVersion(user, 1));
            assertEquals(0, setVersion(idle, 1));
        } finally {
            again.uninstall();
        }
    }
}
