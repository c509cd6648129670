package io.xenabi.domain.impl;

import static io.xenabi.abi.XenErrno.EACCES;
import static io.xenabi.abi.XenErrno.ENOSYS;
import static io.xenabi.abi.XenErrno.EOPNOTSUPP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xenabi.abi.AbiCapability;
import io.xenabi.domain.DomainConfig;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnPort;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnSetupArg;
import io.xenabi.evtchn.EvtchnVariant;
import io.xenabi.evtchn.twolevel.impl.Evtchn2lVariant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The rules domain-core keeps around a variant's ops (SPI 2.0), seen through a recording
 * variant: 2-level's bits with priorities and a setup op of its own, capability bit 5.
 */
class VariantSpiTest {
    static final int BIT = 5;
    static final int SETUP = 101;
    static final int OUT = 4;

    /** Every call the ABI saw, as "op port". */
    final List<String> calls = new CopyOnWriteArrayList<>();

    final class Recording implements EvtchnVariant {
        @Override
        public EvtchnPortOps create(EvtchnDomain domain) {
            EvtchnPortOps bits = new Evtchn2lVariant().create(domain);
            return new EvtchnPortOps() {
                @Override
                public int maxPorts() {
                    return bits.maxPorts();
                }

                @Override
                public void setPending(EvtchnPort port) {
                    bits.setPending(port);
                }

                @Override
                public void clearPending(EvtchnPort port) {
                    bits.clearPending(port);
                }

                @Override
                public void unmask(EvtchnPort port) {
                    calls.add("unmask " + port.port());
                    bits.unmask(port);
                }

                @Override
                public boolean isPending(EvtchnPort port) {
                    return bits.isPending(port);
                }

                @Override
                public boolean isMasked(EvtchnPort port) {
                    return bits.isMasked(port);
                }

                @Override
                public boolean hasPriorities() {
                    return true;
                }

                @Override
                public int setPriority(EvtchnPort port, int priority) {
                    calls.add("set_priority " + port.port());
                    return 0;
                }

                @Override
                public long setupOp(int vcpu, int cmd, EvtchnSetupArg arg) {
                    calls.add("setup " + arg.u32(0));
                    if (arg.u32(0) == 1) {
                        arg.put32(OUT, 77);
                    }
                    return arg.u32(0) < 0 ? -io.xenabi.abi.XenErrno.EINVAL : 0;
                }

                @Override
                public byte[] exportState() {
                    return bits.exportState();
                }
            };
        }

        @Override
        public EvtchnPortOps importState(EvtchnDomain domain, byte[] state) {
            return create(domain);
        }

        @Override
        public List<SetupOp> setupOps() {
            return List.of(new SetupOp(SETUP, 8));
        }
    }

    private final HypervisorImpl hv = TestHypervisors.all();

    {
        hv.addEvtchnVariant(new Recording(), TestHypervisors.props("evtchn", "rec", BIT));
    }

    private Guest guest(long permit) {
        return new Guest(hv, hv.create(DomainConfig.named("g" + permit).withAbiPermit(permit)));
    }

    private long setup(Guest g, int in) {
        g.mem.write32(Guest.arg(0), in);
        g.mem.write32(Guest.arg(0) + OUT, -1);
        return g.evtchn(0, SETUP);
    }

    @Test
    void setPriorityOfAFreePortIsEaccesDecidedWithoutCallingTheAbi() {
        Guest g = guest(AbiCapability.mask(BIT));
        assertEquals(0, setup(g, 0));
        long open = g.bindIpi(0);
        long freed = g.bindIpi(0);
        assertEquals(0, g.close(freed));
        calls.clear();
        assertEquals(-EACCES, g.setPriority(freed, 3));
        assertEquals(List.of(), calls, "the ABI never saw the free port");
        assertEquals(0, g.setPriority(open, 3));
        assertEquals(List.of("set_priority " + open), calls);
    }

    @Test
    void unmaskOfAFreePortDoesNotReachTheAbi() {
        Guest g = guest(AbiCapability.mask(BIT));
        assertEquals(0, setup(g, 0));
        long freed = g.bindIpi(0);
        assertEquals(0, g.close(freed));
        calls.clear();
        assertEquals(0, g.unmask(freed));
        assertEquals(List.of(), calls);
    }

    @Test
    void anAbiWithoutPrioritiesIsEnosysForAFreePortToo() {
        Guest g = guest(0);
        long freed = g.bindIpi(0);
        assertEquals(0, g.close(freed));
        assertEquals(-ENOSYS, g.setPriority(freed, 3), "2-level has no set_priority: -ENOSYS before -EACCES");
    }

    @Test
    void theSetupStructIsCopiedBackOnlyWhenTheOpSucceededAndChangedIt() {
        Guest g = guest(AbiCapability.mask(BIT));
        assertEquals(-io.xenabi.abi.XenErrno.EINVAL, setup(g, -1));
        assertEquals(-1, g.mem.read32(Guest.arg(0) + OUT), "failed: not copied back");
        assertEquals(0, setup(g, 0));
        assertEquals(-1, g.mem.read32(Guest.arg(0) + OUT), "unchanged: not copied back");
        assertEquals(0, setup(g, 1));
        assertEquals(77, g.mem.read32(Guest.arg(0) + OUT), "changed: copied back");
        assertTrue(calls.containsAll(List.of("setup -1", "setup 0", "setup 1")));
    }

    @Test
    void aPresentVariantsSetupOpIsEopnotsuppWhenNotPermittedAndAnUnknownSubOpEnosys() {
        Guest g = guest(AbiCapability.mask(AbiCapability.XENABI_CAP_EVTCHN_FIFO));
        assertEquals(-EOPNOTSUPP, setup(g, 0));
        assertEquals(List.of(), calls);
        assertEquals(-ENOSYS, g.evtchn(0, 99));
    }
}
