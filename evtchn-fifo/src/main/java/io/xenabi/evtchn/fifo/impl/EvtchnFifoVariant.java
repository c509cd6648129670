package io.xenabi.evtchn.fifo.impl;

import io.xenabi.abi.AbiCapability;
import io.xenabi.abi.AbiVariant;
import io.xenabi.abi.AbiVariantService;
import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The FIFO event-channel ABI of Xen 4.4 (xen/common/event_fifo.c): event words in guest pages
 * the guest hands over with {@code EVTCHNOP_expand_array}, a control block per vCPU given with
 * {@code EVTCHNOP_init_control}, and 16 priority queues per vCPU. Permitted by capability bit 0.
 */
@Component(service = EvtchnVariant.class)
@AbiVariantService(family = AbiVariant.FAMILY_EVTCHN, variant = "fifo",
        capability = AbiCapability.XENABI_CAP_EVTCHN_FIFO)
public final class EvtchnFifoVariant implements EvtchnVariant {
    private static final List<SetupOp> SETUP_OPS = List.of(
            new SetupOp(EvtchnOp.EVTCHNOP_init_control, EvtchnOp.SIZEOF_EVTCHN_INIT_CONTROL),
            new SetupOp(EvtchnOp.EVTCHNOP_expand_array, EvtchnOp.SIZEOF_EVTCHN_EXPAND_ARRAY));

    @Override
    public EvtchnPortOps create(EvtchnDomain domain) {
        return new FifoPorts(domain);
    }

    @Override
    public EvtchnPortOps importState(EvtchnDomain domain, byte[] state) {
        return FifoPorts.importState(domain, state);
    }

    @Override
    public List<SetupOp> setupOps() {
        return SETUP_OPS;
    }
}
