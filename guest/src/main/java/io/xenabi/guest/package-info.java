/**
 * Guest kernel models: Linux-like kernels that run inside xenabi domains and drive the
 * event-channel ABIs only through the hypercall door and their own guest memory, as Linux's
 * {@code drivers/xen/events} does. {@link io.xenabi.guest.Guests} boots and stops them and runs
 * workloads (ping) between them.
 */
@Export
@Version("1.2.0")
package io.xenabi.guest;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
