package io.xenabi.itests.evtchn.onelevel.impl;

import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.AbiVariantService;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import java.nio.ByteBuffer;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * A toy event-channel ABI that exists only for the integration tests: it proves that a new
 * event-channel variant is a new bundle and nothing else. "1-level": one pending bitmap and
 * one mask bitmap of {@value OneLevelPorts#NR_PORTS} ports in a guest page the guest hands over
 * with its own sub-op, {@value #EVTCHNOP_init_1l}, no selector word (the guest scans the whole
 * bitmap on an upcall) and no priorities. Capability bit 3.
 */
@Component(service = EvtchnVariant.class)
@AbiVariantService(family = AbiVariant.FAMILY_EVTCHN, variant = "1l", capability = OneLevelVariant.CAPABILITY)
public final class OneLevelVariant implements EvtchnVariant {
    /** The capability bit this toy claims. */
    public static final int CAPABILITY = 3;
    /** Its one sub-op, a number Xen does not use. */
    public static final int EVTCHNOP_init_1l = 100;
    /** struct evtchn_init_1l (16): page_gfn u64 @0; OUT nr_ports u32 @8. */
    public static final int INIT_1L_PAGE_GFN = 0;
    public static final int INIT_1L_NR_PORTS = 8;
    public static final int SIZEOF_INIT_1L = 16;

    static final int STATE_MAGIC = 0x58314C00; // "X1L"
    static final int STATE_VERSION = 1;

    private static final List<SetupOp> SETUP_OPS = List.of(new SetupOp(EVTCHNOP_init_1l, SIZEOF_INIT_1L));

    @Override
    public EvtchnPortOps create(EvtchnDomain domain) {
        return new OneLevelPorts(domain, -1);
    }

    @Override
    public EvtchnPortOps importState(EvtchnDomain domain, byte[] state) {
        if (state == null || state.length != 16) {
            throw new IllegalArgumentException("1-level state must be 16 bytes, got "
                    + (state == null ? "none" : state.length));
        }
        ByteBuffer b = ByteBuffer.wrap(state);
        if (b.getInt() != STATE_MAGIC || b.getInt() != STATE_VERSION) {
            throw new IllegalArgumentException("not 1-level state of version " + STATE_VERSION);
        }
        return new OneLevelPorts(domain, b.getLong());
    }

    @Override
    public List<SetupOp> setupOps() {
        return SETUP_OPS;
    }
}
