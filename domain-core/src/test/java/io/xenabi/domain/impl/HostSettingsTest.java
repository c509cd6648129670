package io.xenabi.domain.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.XenErrno;
import io.xenabi.domain.DomainConfig;
import io.xenabi.domain.DomainType;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import io.xenabi.domain.impl.domains.HostSettings;

/** The host configuration: default permit set, host maximum, limits; applied to new domains only. */
class HostSettingsTest {
    private HypervisorImpl hv;

    @BeforeEach
    void boot() {
        hv = TestHypervisors.all();
    }

    private static HostSettings settings(List<String> permitDefault, List<String> permitMax) {
        return new HostSettings(permitDefault, permitMax, 2047, 32, 16);
    }

    @Test
    void defaultsCarryTheHostsPermitSetAndLimits() {
        hv.applyHostSettings(settings(List.of("evtchn-fifo"), List.of("*")));
        DomainConfig d = hv.defaults("x");
        assertEquals(AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO), d.abiPermit());
        assertEquals(2047, d.maxEventChannels());
        assertEquals(32, d.maxGrantFrames());
        assertEquals(16, d.maxMaptrackFrames());
        hv.applyHostSettings(settings(List.of(), List.of("*")));
        assertEquals(0, hv.defaults("y").abiPermit(), "an empty list permits no advanced variant");
        hv.applyHostSettings(settings(List.of("gnttab-v2", "no-such-variant"), List.of("*")));
        assertEquals(AbiCapability.mask(AbiCapability.XENABI_CAP_GNTTAB_V2), hv.defaults("z").abiPermit(),
                "an unknown name permits nothing");
    }

    @Test
    void theHostMaximumBindsDomainsCreatedAfterItAndNeverRunningOnes() {
        Guest before = new Guest(hv, hv.create(DomainConfig.named("before")));
        hv.applyHostSettings(settings(List.of("*"), List.of("gnttab-v2")));
        Guest after = new Guest(hv, hv.create(DomainConfig.named("after")));
        after.mapSharedInfo();
        before.mapSharedInfo();
        assertEquals(-XenErrno.EOPNOTSUPP, after.initControl(0), "FIFO is beyond the host maximum");
        assertEquals(0, new GrantGuest(hv, after.domid).setVersion(2), "v2 is within it");
        assertEquals(0, before.initControl(0), "a running domain keeps what it was created with");
        hv.applyHostSettings(settings(List.of("*"), List.of("*")));
        assertEquals(-XenErrno.EOPNOTSUPP, after.initControl(0), "and so does the other one");
    }

    @Test
    void anHvmDomainWithXenExtensionsOffGetsEnosysForBothFamilies() {
        Guest hvm = new Guest(hv, hv.create(DomainConfig.named("hvm").withType(DomainType.HVM, false)));
        assertEquals(-XenErrno.ENOSYS, hvm.bindIpi(0));
        assertEquals(-XenErrno.ENOSYS, hvm.evtchn(0, io.xenabi.evtchn.EvtchnOp.EVTCHNOP_init_control));
        assertEquals(-XenErrno.ENOSYS, new GrantGuest(hv, hvm.domid).setVersion(1));
        assertEquals(0, hvm.mapSharedInfo(), "other hypercalls still work");
        Guest withXen = new Guest(hv, hv.create(DomainConfig.named("hvm2").withType(DomainType.HVM, true)));
        assertEquals(1, withXen.bindIpi(0));
    }

    @Test
    void aSecondBundleClaimingAnOwnedBitIsRefusedAndReported() {
        hv.addGrantVersion(new io.xenabi.gnttab.v2.impl.GrantTableV2(), TestHypervisors.props("gnttab", "v9", 0));
        assertEquals(List.of("variant gnttab-v9 refused: capability bit 0 is owned by evtchn-fifo"), hv.refusals());
        assertEquals(4, hv.variants().size(), "the refused variant is not used");
        hv.addEvtchnVariant(new io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant(),
                TestHypervisors.props("evtchn", "3l", -1));
        assertEquals("variant evtchn-3l refused: evtchn-2l is already the base evtchn variant", hv.refusals().get(1));
    }
}
