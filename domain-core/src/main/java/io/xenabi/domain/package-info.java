/**
 * The hypervisor as other bundles see it: domains, their lifecycle, and the single hypercall
 * door through which guests reach every ABI; {@code Hypervisor} is the guest door, domain control
 * and information together.
 */
@Export
@Version("1.3.0")
package io.xenabi.domain;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
