/**
 * The event-channel ABI family: Xen's public constants and argument layouts
 * (xen/include/public/event_channel.h) and the service provider interface an event-channel
 * variant implements. The SPI mirrors Xen's {@code struct evtchn_port_ops}
 * (xen/include/xen/event.h): the generic port code in domain-core calls a small table of
 * operations and never looks at an ABI's guest memory itself.
 */
@Export
@Version("1.1.0")
package io.xenabi.evtchn;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
