package io.xenabi.domain.impl;

import io.xenabi.domain.testkit.TestHosts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainInfo;
import io.xenabi.domain.Hypervisor;
import io.xenabi.domain.impl.domains.HostSettings;
import io.xenabi.evtchn.fifo.impl.EvtchnFifoVariant;
import io.xenabi.gnttab.GrantVersion;
import io.xenabi.gnttab.v1.impl.GrantTableV1;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A domain's permit set is fixed when it is created, to real variants: (its bitmap ∩ the host
 * maximum) ∩ the variants present then (FIDELITY-GAPS P1). A variant installed later reaches
 * only domains created after it; one that leaves and comes back is the same variant and its
 * domains keep it. Domain-0 may use every variant, present or future, with the ABI's port limit
 * (E1, E2).
 */
class PermitSetTest {
    private static final Map<String, Object> V3 = TestHypervisors.props("gnttab", "v3", 2);
    private static final Map<String, Object> FIFO = TestHypervisors.props("evtchn", "fifo", 0);

    /**
     * A stand-in grant-table version 3 (bit 2), as the itests' v3 bundle: v1's layout under
     * another number. A proxy, so it follows whatever the grant-version SPI declares.
     */
    static GrantVersion v3() {
        GrantTableV1 v1 = new GrantTableV1();
        return (GrantVersion) Proxy.newProxyInstance(GrantVersion.class.getClassLoader(),
                new Class<?>[] {GrantVersion.class}, (proxy, m, args) -> {
                    if (m.getName().equals("version") && m.getParameterCount() == 0) {
                        return 3;
                    }
                    if (m.getDeclaringClass() == Object.class) {
                        return m.getName().equals("equals") ? proxy == args[0]
                                : m.getName().equals("hashCode") ? System.identityHashCode(proxy) : "gnttab-v3 stand-in";
                    }
                    try {
                        return m.invoke(v1, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A host with the base variants and gnttab-v2, without FIFO and v3. */
    private static HypervisorImpl baseAndV2() {
        return TestHosts.of("evtchn-2l", "gnttab-v1", "gnttab-v2");
    }

    private static DomainInfo info(HypervisorImpl hv, int domid) {
        return hv.info(domid).orElseThrow();
    }

    @Test
    void aDomainCreatedWithTheDefaultPermitNeverGetsAVariantInstalledAfterIt() {
        HypervisorImpl hv = baseAndV2();
        int before = hv.create(DomainConfig.named("before"));
        hv.addGrantVersion(v3(), V3);
        hv.addEvtchnVariant(new EvtchnFifoVariant(), FIFO);
        int after = hv.create(DomainConfig.named("after"));
        assertEquals(-XenErrno.ENOSYS, new GrantGuest(hv, before).setVersion(3), "v3 came after it");
        assertEquals(1, hv.grantVersion(before));
        Guest b = new Guest(hv, before);
        b.mapSharedInfo();
        assertEquals(-XenErrno.EOPNOTSUPP, b.initControl(0), "FIFO came after it");
        assertEquals(0, new GrantGuest(hv, before).setVersion(2), "v2 was there when it was created");
        assertEquals(0, new GrantGuest(hv, after).setVersion(3), "a domain created after the install gets v3");
        assertEquals(3, hv.grantVersion(after));
        assertEquals(0, new Guest(hv, after).setUp(Guest.Abi.FIFO, 1));
        assertEquals(List.of("gnttab-v2"), info(hv, before).permitNames());
        assertEquals(AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2), info(hv, before).permit());
        assertEquals(List.of("evtchn-fifo", "gnttab-v2", "gnttab-v3"), info(hv, after).permitNames());
        assertEquals(0b111, info(hv, after).permit());
    }

    @Test
    void everyBitMeansEveryVariantPresentNeverABitWithoutOne() {
        HypervisorImpl hv = baseAndV2();
        DomainInfo d = info(hv, hv.create(DomainConfig.named("d").withAbiPermit(AbiCapability.ALL)));
        assertEquals(List.of("gnttab-v2"), d.permitNames());
        assertEquals(AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2), d.permit(), "no bit without a variant");
        assertTrue(d.permitsEveryVariant());
        hv.addGrantVersion(v3(), V3);
        assertFalse(info(hv, d.domid()).permitsEveryVariant(), "v3 is present now and not in its set");
        assertEquals(List.of("gnttab-v2"), info(hv, d.domid()).permitNames(), "the set stays as it was");
    }

    @Test
    void theSetIsTheConfiguredBitmapAndTheHostMaximumAmongTheVariantsPresent() {
        HypervisorImpl hv = TestHypervisors.all();
        hv.addGrantVersion(v3(), V3);
        DomainInfo fifoOnly = info(hv, hv.create(DomainConfig.named("f").withAbiPermit(
                AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO) | AbiCapability.mask(9))));
        assertEquals(List.of("evtchn-fifo"), fifoOnly.permitNames(), "bit 9 has no variant");
        assertFalse(fifoOnly.permitsEveryVariant());
        DomainInfo none = info(hv, hv.create(DomainConfig.named("n").withAbiPermit(0)));
        assertEquals(List.of(), none.permitNames());
        assertFalse(none.permitsEveryVariant(), "an empty set is not 'all'");
        hv.applyHostSettings(new HostSettings(List.of("*"), List.of("gnttab-v3", "evtchn-fifo"), 1023, 64, 1024));
        DomainInfo capped = info(hv, hv.create(DomainConfig.named("c")));
        assertEquals(List.of("evtchn-fifo", "gnttab-v3"), capped.permitNames());
        assertEquals(-XenErrno.ENOSYS, new GrantGuest(hv, capped.domid()).setVersion(2), "beyond the host maximum");
        assertEquals(0, new GrantGuest(hv, capped.domid()).setVersion(3));
    }

    @Test
    void aVariantRemovedAndReinstalledUnderARunningGuestThatHadItKeepsIt() {
        HypervisorImpl hv = TestHypervisors.all();
        GrantVersion first = v3();
        hv.addGrantVersion(first, V3);
        Guest a = new Guest(hv, hv.create(DomainConfig.named("a")));
        a.mapSharedInfo();
        io.xenabi.evtchn.EvtchnVariant fifo = TestHypervisors.serviceOf(hv, "evtchn", "fifo");
        hv.removeEvtchnVariant(fifo, FIFO);
        hv.removeGrantVersion(first, V3);
        assertEquals(-XenErrno.EOPNOTSUPP, a.initControl(0), "no FIFO on the host just now");
        assertEquals(-XenErrno.EINVAL, new GrantGuest(hv, a.domid).setVersion(3), "no v3 on the host just now: unknown");
        int meanwhile = hv.create(DomainConfig.named("meanwhile"));
        hv.addEvtchnVariant(new EvtchnFifoVariant(), FIFO);
        hv.addGrantVersion(v3(), V3);
        assertEquals(List.of("evtchn-fifo", "gnttab-v2", "gnttab-v3"), info(hv, a.domid).permitNames());
        assertTrue(info(hv, a.domid).permitsEveryVariant());
        assertEquals(0, a.setUp(Guest.Abi.FIFO, 1), "the same variant came back: the guest keeps it");
        assertEquals(0, new GrantGuest(hv, a.domid).setVersion(3));
        assertEquals(3, hv.grantVersion(a.domid));
        assertEquals(List.of("gnttab-v2"), info(hv, meanwhile).permitNames(),
                "a domain created while they were away never gets them");
        assertEquals(-XenErrno.ENOSYS, new GrantGuest(hv, meanwhile).setVersion(3));
    }

    @Test
    void aVariantUnderTheSameNameWithAnotherBitIsAnotherVariant() {
        HypervisorImpl hv = TestHypervisors.all();
        GrantVersion first = v3();
        hv.addGrantVersion(first, V3);
        int a = hv.create(DomainConfig.named("a"));
        hv.removeGrantVersion(first, V3);
        hv.addGrantVersion(v3(), TestHypervisors.props("gnttab", "v3", 5));
        assertEquals(-XenErrno.ENOSYS, new GrantGuest(hv, a).setVersion(3), "gnttab-v3 (bit 5) is not in its set");
    }

    @Test
    void domain0BindsIpisUpToTheAbisLimit() {
        HypervisorImpl hv = TestHypervisors.all();
        Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
        long last = 0;
        long rc;
        while ((rc = dom0.bindIpi(0)) > 0) {
            last = rc;
        }
        assertEquals(-XenErrno.ENOSPC, rc);
        assertEquals(4095, last, "2-level's limit (64 x 64 ports), not max_event_channels' 1023");
        Guest domU = new Guest(hv, hv.create(DomainConfig.named("u")));
        while ((rc = domU.bindIpi(0)) > 0) {
            last = rc;
        }
        assertEquals(1023, last, "a domU stops at its max_event_channels");
    }

    @Test
    void domain0MayUseFifoAndEveryVariantPresentOrFuture() {
        HypervisorImpl hv = baseAndV2();
        hv.addEvtchnVariant(new EvtchnFifoVariant(), FIFO);
        Guest dom0 = new Guest(hv, Hypervisor.DOMID_0);
        assertEquals(0, dom0.setUp(Guest.Abi.FIFO, 1), "no permission check for dom0 (E2)");
        assertEquals("fifo", info(hv, Hypervisor.DOMID_0).evtchnAbi());
        long port = dom0.bindIpi(0);
        assertTrue(port > 0);
        hv.addGrantVersion(v3(), V3);
        assertEquals(0, new GrantGuest(hv, Hypervisor.DOMID_0).setVersion(3), "a variant installed later too");
        DomainInfo d0 = info(hv, Hypervisor.DOMID_0);
        assertEquals(List.of("evtchn-fifo", "gnttab-v2", "gnttab-v3"), d0.permitNames());
        assertTrue(d0.permitsEveryVariant());
        assertEquals(0b111, d0.permit());
    }
}
