/**
 * xl.cfg files: Xen's {@code xl} configuration syntax read into a domain configuration, with
 * xenabi's positive {@code abi_permit} key and the legacy keys mapped onto the permit bitmap.
 */
@Export
@Version("1.0.0")
package io.xenabi.toolstack.xl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
