/**
 * The toolstack, after Xen's libxl/xl: the verbs that run over the hypervisor's domain control
 * and the guest kernels (create from a configuration, reboot, shutdown, save with the guest
 * suspended, restore with the guest resumed), and {@link io.xenabi.toolstack.VariantNames}, the one
 * map between ABI variant names and capability bits. Shells and tests drive it; it prints nothing.
 */
@Export
@Version("1.0.0")
package io.xenabi.toolstack;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
