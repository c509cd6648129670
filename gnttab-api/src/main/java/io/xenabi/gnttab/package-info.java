/**
 * The grant-table family: {@code GNTTABOP_*} numbers and the x86_64 layout of their argument
 * structs, the GTF_, GNTMAP_, GNTCOPY_, GNTTAB_CACHE_ flags and GNTST_ codes with Xen's values
 * (xen/include/public/grant_table.h), and the SPI a grant-table version bundle implements.
 * 2.0.0: {@link io.xenabi.gnttab.GrantVersion#represents} (a version says which entries its
 * layout cannot hold; the version switch honours it). 2.1.0: the GNTTAB_CACHE_* ops of
 * {@code GNTTABOP_cache_flush} ({@link io.xenabi.gnttab.GrantFlags#GNTTAB_CACHE_CLEAN}).
 */
@Export
@Version("2.1.0")
package io.xenabi.gnttab;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
