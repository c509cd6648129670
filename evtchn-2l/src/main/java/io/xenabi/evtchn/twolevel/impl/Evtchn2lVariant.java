package io.xenabi.evtchn.twolevel.impl;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.AbiVariantService;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import java.nio.ByteBuffer;
import org.osgi.service.component.annotations.Component;

/**
 * The 2-level event-channel ABI, Xen's original and base ABI: pending and mask bitmaps in
 * shared_info and a per-vCPU selector word (xen/common/event_2l.c). Always available.
 */
@Component(service = EvtchnVariant.class)
@AbiVariantService(family = AbiVariant.FAMILY_EVTCHN, variant = "2l", capability = AbiCapability.BASE)
public final class Evtchn2lVariant implements EvtchnVariant {
    /** "X2L" then a format version: 2-level keeps no hypervisor-side state beyond that. */
    static final int STATE_MAGIC = 0x58324C00;
    static final int STATE_VERSION = 1;

    @Override
    public EvtchnPortOps create(EvtchnDomain domain) {
        return new TwoLevelPorts(domain);
    }

    @Override
    public EvtchnPortOps importState(EvtchnDomain domain, byte[] state) {
        if (state == null || state.length != 8) {
            throw new IllegalArgumentException("2-level state must be 8 bytes, got "
                    + (state == null ? "none" : state.length));
        }
        ByteBuffer b = ByteBuffer.wrap(state);
        int magic = b.getInt();
        int version = b.getInt();
        if (magic != STATE_MAGIC) {
            throw new IllegalArgumentException("not 2-level state (magic 0x" + Integer.toHexString(magic) + ")");
        }
        if (version != STATE_VERSION) {
            throw new IllegalArgumentException("2-level state version " + version + " is not readable by version "
                    + STATE_VERSION);
        }
        return new TwoLevelPorts(domain);
    }
}
