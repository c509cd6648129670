/**
 * The guest half of xenabi's ABIs, written once: what a Linux-like kernel does through the
 * hypercall door ({@link io.xenabi.guest.front.Door}) with Xen's argument structs in its own
 * memory ({@link io.xenabi.guest.front.Hypercalls}, {@link io.xenabi.guest.front.ArgStack}), the
 * 2-level and FIFO event consumers behind Linux's ops table
 * ({@link io.xenabi.guest.front.EvtchnOps}, with {@code resume}), the grant entries of v1 and v2
 * ({@link io.xenabi.guest.front.GrantFront}), and the boot and resume sequences
 * ({@link io.xenabi.guest.front.EvtchnBoot}). It needs only the ABI API bundles, never the
 * hypervisor: the door is whatever the caller passes, for example {@code hypervisor::hypercall}.
 */
@Export
@Version("1.0.0")
package io.xenabi.guest.front;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
