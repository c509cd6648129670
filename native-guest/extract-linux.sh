#!/bin/sh
# SPDX-License-Identifier: MIT
# Extracts the Linux 6.1 files the native guests compile, unmodified, from
# Debian's linux-source-6.1 into a build folder (never into the git tree).
#   extract-linux.sh [TARBALL] [OUTDIR]
# Default TARBALL /usr/src/linux-source-6.1.tar.xz, OUTDIR target/linux.
# Exit 0 when OUTDIR is complete, 3 (with one line on stderr) when the
# package is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tarball=${1:-/usr/src/linux-source-6.1.tar.xz}
out=${2:-$here/target/linux}
if [ ! -r "$tarball" ]; then
	echo "native-guest: $tarball missing; install it with: apt-get install linux-source-6.1" >&2
	exit 3
fi
stamp="$out/.extracted"
if [ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ]; then
	exit 0
fi
top=linux-source-6.1
# The four files, the private header beside them, the real Xen headers and
# the few x86 atomics headers; everything else comes from shim/include.
set -- \
	$top/drivers/xen/events/events_base.c \
	$top/drivers/xen/events/events_fifo.c \
	$top/drivers/xen/events/events_2l.c \
	$top/drivers/xen/events/events_internal.h \
	$top/drivers/xen/grant-table.c \
	$top/include/xen \
	$top/arch/x86/include/asm/sync_bitops.h \
	$top/arch/x86/include/asm/rmwcc.h \
	$top/arch/x86/include/asm/cmpxchg.h \
	$top/arch/x86/include/asm/cmpxchg_64.h \
	$top/arch/x86/include/asm/pvclock-abi.h \
	$top/arch/x86/include/asm/emulate_prefix.h \
	$top/arch/x86/include/asm/xen/interface.h \
	$top/arch/x86/include/asm/xen/interface_64.h \
	$top/arch/x86/include/asm/xen/cpuid.h \
	$top/arch/x86/include/asm/xen/events.h
rm -rf "$out"
mkdir -p "$out"
tar -xJf "$tarball" -C "$out" --strip-components=1 "$@"
touch "$stamp"
