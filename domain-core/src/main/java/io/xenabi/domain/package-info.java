/**
 * The hypervisor as other bundles see it: domains, their lifecycle, and the single hypercall
 * door through which guests reach every ABI.
 */
@Export
@Version("1.1.0")
package io.xenabi.domain;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
