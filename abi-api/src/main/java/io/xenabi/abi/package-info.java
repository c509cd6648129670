/**
 * The ABI-neutral foundation every xenabi bundle shares: guest memory in 4 KiB pages, Xen's
 * errno values, domain ids, hypercall numbers, the shared_info layout and the capability bits
 * that name the advanced ABI variants a domain may be permitted. A memory's physmap mutators
 * ({@link io.xenabi.abi.GuestPhysmap}) belong to its creator alone. 2.1.0:
 * {@link io.xenabi.abi.XenErrno#EBADMSG}.
 */
@Export
@Version("2.1.0")
package io.xenabi.abi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
