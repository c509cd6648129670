#!/usr/bin/env bash
# Builds (or finds in the cache) the oracle image: real Xen 4.17, Debian 12's 6.1 kernel, a dom0
# root file system with the toolstack, and the pieces of the busybox domU, all from Debian's
# packages. Prints the image folder on its last line of stdout.
#
# The image is keyed by the versions of the packages it is made of (and IMAGE_REV, bumped when
# this script changes what it builds); a second run finds it and only prints its folder. What
# changes often (the probe, the corpus, the init scripts) is not in the image: record.sh packs it
# into a small second initramfs at every boot.
#
# Usage: oracle/build-image.sh [--print-key]
# Environment: XENABI_ORACLE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/xenabi/oracle)
set -euo pipefail

IMAGE_REV=1
SUITE=bookworm
CACHE=${XENABI_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenabi/oracle}

log() { echo "build-image: $*" >&2; }
die() { echo "build-image: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Host tools: installed from Debian's archive when missing.
need=()
command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
command -v zstd >/dev/null || need+=(zstd)
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
[ -f /usr/include/xen/sys/privcmd.h ] || need+=(libxen-dev)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

candidate() { apt-cache policy "$1" | awk '/Candidate:/ {print $2}'; }
KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
[ -n "$KPKG" ] || die "cannot tell which kernel linux-image-amd64 depends on (apt-get update?)"
V_XEN=$(candidate xen-hypervisor-4.17-amd64)
V_UTILS=$(candidate xen-utils-4.17)
V_KERNEL=$(candidate "$KPKG")
V_BUSYBOX=$(candidate busybox-static)
for v in "$V_XEN" "$V_UTILS" "$V_KERNEL" "$V_BUSYBOX"; do
  [ -n "$v" ] && [ "$v" != "(none)" ] || die "a package has no candidate version (apt-get update?)"
done
KEY_TEXT="rev=$IMAGE_REV xen=$V_XEN utils=$V_UTILS $KPKG=$V_KERNEL busybox=$V_BUSYBOX suite=$SUITE"
KEY=$(printf '%s' "$KEY_TEXT" | sha256sum | cut -c1-16)
if [ "${1:-}" = --print-key ]; then echo "$KEY $KEY_TEXT"; exit 0; fi

IMG=$CACHE/$KEY
if [ -f "$IMG/DONE" ]; then
  log "cached image $IMG ($KEY_TEXT)"
  echo "$IMG"
  exit 0
fi

log "building $IMG ($KEY_TEXT)"
t0=$(date +%s)
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'as_root rm -rf "$WORK"' EXIT
cd "$WORK"

# 1. The hypervisor, the kernel and busybox: downloaded and unpacked, not installed.
mkdir debs && (cd debs && apt-get download -q \
  "xen-hypervisor-4.17-amd64=$V_XEN" "$KPKG=$V_KERNEL" "busybox-static=$V_BUSYBOX" >/dev/null 2>&1) \
  || die "apt-get download failed"
mkdir x
for d in debs/*.deb; do dpkg-deb -x "$d" x; done
KVER=${KPKG#linux-image-}
mkdir out
gunzip -c x/boot/xen-4.17-amd64.gz > out/xen.elf
cp x/boot/vmlinuz-"$KVER" out/vmlinuz
cp x/bin/busybox out/busybox

# The Xen modules the probe needs (none depends on anything outside this list).
MODS="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs/xenfs"
mkdir -p out/modules
for m in $MODS; do cp "x/lib/modules/$KVER/kernel/drivers/xen/$m.ko" out/modules/; done

# 2. dom0's root file system: Debian's toolstack, trimmed, packed as a zstd cpio.
log "mmdebstrap dom0 root ($SUITE, xen-utils-4.17=$V_UTILS)"
as_root mmdebstrap --quiet --variant=essential \
  --include="xen-utils-4.17=$V_UTILS,busybox-static=$V_BUSYBOX,kmod" \
  "$SUITE" root >/dev/null
as_root rm -rf root/usr/share/doc root/usr/share/man root/usr/share/info root/usr/share/locale \
  root/usr/lib/python3* root/usr/lib/x86_64-linux-gnu/perl* root/usr/share/perl* root/usr/bin/perl* \
  root/var/cache/apt root/var/lib/apt/lists
as_root mkdir -p "root/lib/modules/$KVER/kernel/drivers/xen/xenfs"
for m in $MODS; do
  as_root cp "x/lib/modules/$KVER/kernel/drivers/xen/$m.ko" "root/lib/modules/$KVER/kernel/drivers/xen/$m.ko"
done
as_root cp "x/lib/modules/$KVER/modules.order" "x/lib/modules/$KVER/modules.builtin" \
  "x/lib/modules/$KVER/modules.builtin.modinfo" "root/lib/modules/$KVER/" 2>/dev/null || true
as_root depmod -b root "$KVER"
(cd root && as_root find . -xdev -print0 | as_root cpio --null -o -H newc --quiet -R 0:0) \
  | zstd -q -9 -T2 > out/dom0-root.cpio.zst

echo "$KEY_TEXT" > out/VERSIONS
echo "$KVER" > out/KVER
rm -rf "$IMG"
mv out "$IMG"
touch "$IMG/DONE"
log "built in $(( $(date +%s) - t0 )) s: $(du -sh "$IMG" | cut -f1)"
echo "$IMG"
