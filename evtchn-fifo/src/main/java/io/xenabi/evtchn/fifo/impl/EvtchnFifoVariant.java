package io.xenabi.evtchn.fifo.impl;

import io.xenabi.evtchn.EvtchnDomain;
import io.xenabi.evtchn.EvtchnOp;
import io.xenabi.evtchn.EvtchnPortOps;
import io.xenabi.evtchn.EvtchnVariant;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * The FIFO event-channel ABI of Xen 4.4 (xen/common/event_fifo.c): event words in guest pages
 * the guest hands over with {@code EVTCHNOP_expand_array}, a control block per vCPU given with
 * {@code EVTCHNOP_init_control}, and 16 priority queues per vCPU. Permitted by capability bit 0.
 */
@Component(service = EvtchnVariant.class, property = {
    "xenabi.abi.family=evtchn",
    "xenabi.abi.variant=fifo",
    "xenabi.abi.capability:Integer=0"
})
public final class EvtchnFifoVariant implements EvtchnVariant {
    private static final Set<Integer> SETUP_OPS =
            Set.of(EvtchnOp.EVTCHNOP_init_control, EvtchnOp.EVTCHNOP_expand_array);

    @Override
    public EvtchnPortOps create(EvtchnDomain domain) {
        return new FifoPorts(domain);
    }

    @Override
    public EvtchnPortOps importState(EvtchnDomain domain, byte[] state) {
        return FifoPorts.importState(domain, state);
    }

    @Override
    public Set<Integer> setupOps() {
        return SETUP_OPS;
    }
}
