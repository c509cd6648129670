package io.xenabi.evtchn;

import io.xenabi.abi.GuestMemory;
import io.xenabi.abi.GuestPage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The domain as a variant sees it: its memory, its shared_info page, its ports, and the one
 * generic action a variant takes on a vCPU, marking events pending (Xen's
 * {@code vcpu_mark_events_pending}). domain-core implements it.
 */
@ProviderType
public interface EvtchnDomain {
    int domid();

    /** Number of vCPUs; vCPU ids are 0 .. maxVcpus()-1. */
    int maxVcpus();

    /** The guest's RAM, where a variant finds the pages a guest hands it by gfn. */
    GuestMemory memory();

    /**
     * The domain's shared_info page (owned by the hypervisor, whether or not the guest has
     * mapped it yet): the 2-level bitmaps and the vcpu_info array.
     */
    GuestPage sharedInfo();

    /**
     * The page holding vCPU {@code vcpu}'s vcpu_info (Xen's {@code vcpu_info(v, field)}): its
     * slot in {@link #sharedInfo()} until the guest registers one of its own with
     * {@code VCPUOP_register_vcpu_info}, that area after. Since 1.1.
     */
    default GuestPage vcpuInfoPage(int vcpu) {
        return sharedInfo();
    }

    /** The offset of vCPU {@code vcpu}'s vcpu_info in {@link #vcpuInfoPage(int)}. Since 1.1. */
    default int vcpuInfoOffset(int vcpu) {
        return io.xenabi.abi.SharedInfo.vcpuInfo(vcpu);
    }

    /**
     * Sets {@code evtchn_upcall_pending} in the vCPU's vcpu_info and, if it was clear, kicks
     * the vCPU so a blocked guest wakes up.
     */
    void markEventsPending(int vcpu);

    /**
     * Xen's {@code evtchn_check_pollers} (xen/common/event_channel.c): wakes the vCPUs
     * polling {@code port} alone, or any port. An ABI whose {@link EvtchnPortOps#checksPollers()}
     * is true calls it from {@link EvtchnPortOps#setPending} when that set the port's PENDING
     * from 0 to 1, and only then, as Xen's evtchn_2l_set_pending and evtchn_fifo_set_pending
     * do: a send to a port already pending wakes no poller. Since 2.1.
     */
    void checkPollers(int port);

    /** The port object for {@code port}, or {@code null} when it was never allocated. */
    EvtchnPort port(int port);

    /** One past the highest port number allocated so far (Xen's {@code valid_evtchns}). */
    int validPorts();
}
