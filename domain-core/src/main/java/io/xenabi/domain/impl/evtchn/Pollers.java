package io.xenabi.domain.impl.evtchn;

import static io.xenabi.abi.XenErrno.EAGAIN;
import static io.xenabi.abi.XenErrno.EINVAL;

import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.Port;
import io.xenabi.domain.impl.domains.Vcpu;

/** vCPUs polling event channels: Xen's {@code d->poll_mask} and {@code v->poll_evtchn}. */
public final class Pollers {
    private Pollers() {
    }

    /** Xen's evtchn_check_pollers: wake vCPUs polling this port (or any port). */
    public static void checkPollers(Domain d, int port) {
        long mask = d.pollMask.get();
        while (mask != 0) {
            int id = Long.numberOfTrailingZeros(mask);
            mask &= mask - 1;
            Vcpu v = d.vcpus[id];
            int polled = v.pollEvtchn;
            if (polled <= 0 || polled == port) {
                long bit = 1L << id;
                if ((d.pollMask.getAndUpdate(m -> m & ~bit) & bit) != 0) {
                    v.pollEvtchn = 0;
                    v.kick();
                }
            }
        }
    }

    public static void setPollBit(Domain d, int vcpu) {
        d.pollMask.getAndUpdate(m -> m | (1L << vcpu));
    }

    public static void clearPollBit(Domain d, int vcpu) {
        d.pollMask.getAndUpdate(m -> m & ~(1L << vcpu));
    }

    /**
     * Xen's evtchn_port_poll: -EINVAL for an invalid port and, since Xen 4.15 ("evtchn/sched:
     * reject poll requests for unusable ports", after XSA-342), for a free or reserved one,
     * which nothing could ever set pending to end the poll; 1 when pending, else 0.
     */
    public static long portPoll(Domain d, int port) {
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        long rc = EventChannels.withOps(d, chn, o -> !chn.isOpen() ? -EINVAL : o.isPending(chn) ? 1 : 0);
        return rc == -EAGAIN ? 0 : rc; // the implementation is away: nothing reads as pending
    }
}
