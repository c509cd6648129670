/**
 * The grant-table family: {@code GNTTABOP_*} numbers and the x86_64 layout of their argument
 * structs, the GTF_, GNTMAP_, GNTCOPY_ flags and GNTST_ codes with Xen's values
 * (xen/include/public/grant_table.h), and the SPI a grant-table version bundle implements.
 */
@Export
@Version("1.0.0")
package io.xenabi.gnttab;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
