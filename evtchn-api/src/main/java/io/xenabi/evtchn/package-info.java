/**
 * The event-channel ABI family: Xen's public constants and argument layouts
 * (xen/include/public/event_channel.h) and the service provider interface an event-channel
 * variant implements. The SPI mirrors Xen's {@code struct evtchn_port_ops}
 * (xen/include/xen/event.h): the generic port code in domain-core calls a small table of
 * operations and never looks at an ABI's guest memory itself. 2.0.0: optional ops are
 * default methods meaning absent, setup ops take the struct domain-core copied in
 * ({@link io.xenabi.evtchn.EvtchnSetupArg}), the last queue is one word. 2.1.0: the port
 * keeps FIFO's saved pending flag ({@link io.xenabi.evtchn.EvtchnPort#savedPending()}); an ABI
 * checks the pollers itself when a port becomes newly pending
 * ({@link io.xenabi.evtchn.EvtchnDomain#checkPollers}, {@link io.xenabi.evtchn.EvtchnPortOps#checksPollers()});
 * {@link io.xenabi.evtchn.EvtchnOp#abiSetupArgSize(int)}. 2.2.0: the 2-level port count
 * {@link io.xenabi.evtchn.EvtchnOp#EVTCHN_2L_NR_CHANNELS}.
 */
@Export
@Version("2.2.0")
package io.xenabi.evtchn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
