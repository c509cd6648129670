package io.xenabi.domain.impl.evtchn;

import static io.xenabi.abi.XenErrno.EAGAIN;
import static io.xenabi.abi.XenErrno.EINVAL;

import io.xenabi.domain.impl.domains.Domain;
import io.xenabi.domain.impl.domains.Port;

/** vCPUs polling event channels: Xen's {@code d->poll_mask} and {@code v->poll_evtchn}. */
public final class Pollers {
    private Pollers() {
    }

    public static void setPollBit(Domain d, int vcpu) {
        d.pollMask.getAndUpdate(m -> m | (1L << vcpu));
    }

    public static void clearPollBit(Domain d, int vcpu) {
        d.pollMask.getAndUpdate(m -> m & ~(1L << vcpu));
    }

    /** {@link #portPoll}'s answer for an open port whose ABI implementation is away (a hot swap). */
    public static final long UNREADABLE = 2;

    /**
     * Xen's evtchn_port_poll: -EINVAL for an invalid port and, since Xen 4.15 ("evtchn/sched:
     * reject poll requests for unusable ports", after XSA-342), for a free or reserved one,
     * which nothing could ever set pending to end the poll; 1 when pending, else 0; and
     * {@link #UNREADABLE} for an open port while its implementation is away.
     */
    public static long portPoll(Domain d, int port) {
        Port chn = d.portIsValid(Integer.toUnsignedLong(port)) ? d.port(port) : null;
        if (chn == null) {
            return -EINVAL;
        }
        long rc = EventChannels.withOps(d, chn, o -> !chn.isOpen() ? -EINVAL : o.isPending(chn) ? 1 : 0);
        if (rc == -EAGAIN) {
            synchronized (chn) {
                return chn.isOpen() ? UNREADABLE : -EINVAL;
            }
        }
        return rc;
    }
}
