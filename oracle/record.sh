#!/usr/bin/env bash
# Boots the oracle image (real Xen 4.17 under QEMU TCG) and records the corpus's answers.
#
# Usage: oracle/record.sh [-o RECORD] [-w WORKDIR] [CASES...]
#   CASES  case files (default: oracle/corpus/*.cases)
#   -o     where the record goes (default: WORKDIR/record.txt)
#   -w     where the serial log and the per-run initramfs go (default: a new temp folder)
# A boot that does not end with a complete record is retried once; a second failure prints the
# serial log's tail and exits 1.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=""; WORK=""
while getopts o:w: opt; do
  case $opt in
    o) OUT=$OPTARG ;;
    w) WORK=$OPTARG ;;
    *) echo "usage: $0 [-o RECORD] [-w WORKDIR] [CASES...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then set -- "$HERE"/corpus/*.cases; fi
WORK=${WORK:-$(mktemp -d /tmp/xenabi-oracle.XXXXXX)}
mkdir -p "$WORK"
OUT=${OUT:-$WORK/record.txt}
BOOT_TIMEOUT=${XENABI_ORACLE_BOOT_TIMEOUT:-420}

t0=$(date +%s)
IMG=$("$HERE"/build-image.sh | tail -1)
t1=$(date +%s)
echo "record: image $IMG ($((t1 - t0)) s)"

# The per-run part: probe, corpus, init scripts, the domU's initramfs (seconds to make).
make -s -C "$HERE"/probe OUT="$WORK" >/dev/null
rm -rf "$WORK/ov" "$WORK/u"
mkdir -p "$WORK/ov/oracle/corpus" "$WORK/u/bin" "$WORK/u/m"
cp "$HERE"/guest/domU-init.sh "$WORK/u/init"
cp "$IMG/busybox" "$WORK/u/bin/busybox"
cp "$WORK/oracle-probe" "$WORK/u/probe"
cp "$IMG"/modules/*.ko "$WORK/u/m/"
chmod 755 "$WORK/u/init" "$WORK/u/bin/busybox" "$WORK/u/probe"
(cd "$WORK/u" && find . -print0 | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 > "$WORK/ov/oracle/domU.cpio.gz"
cp "$HERE"/guest/dom0-init.sh "$WORK/ov/init"
cp "$HERE"/guest/domU.cfg "$WORK/ov/oracle/domU.cfg"
cp "$WORK/oracle-probe" "$WORK/ov/oracle/probe"
cp "$IMG/vmlinuz" "$WORK/ov/oracle/vmlinuz"
i=0
for f in "$@"; do
  i=$((i + 1))
  cp "$f" "$WORK/ov/oracle/corpus/$(printf '%02d' "$i")-$(basename "$f")"
done
chmod 755 "$WORK/ov/init" "$WORK/ov/oracle/probe"
# dom0's initramfs: our small uncompressed cpio, then the cached zstd root (the kernel unpacks both).
(cd "$WORK/ov" && find . -print0 | cpio --null -o -H newc --quiet -R 0:0) > "$WORK/dom0.cpio"
cat "$IMG/dom0-root.cpio.zst" >> "$WORK/dom0.cpio"

XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 loglvl=all guest_loglvl=all"
boot() {
  rm -f "$WORK/serial.log" "$WORK/record.raw"
  timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=multi -cpu max,-smap -m 2048 -smp 2 \
    -display none -monitor none -nodefaults -no-reboot \
    -serial file:"$WORK/serial.log" -serial file:"$WORK/record.raw" \
    -kernel "$IMG/xen.elf" -append "$XEN_CMDLINE" \
    -initrd "$IMG/vmlinuz console=hvc0 quiet,$WORK/dom0.cpio" </dev/null >"$WORK/qemu.log" 2>&1 || true
  tr -d '\r' < "$WORK/record.raw" | sed -n '/^oracle-record /,/^end-record /p' > "$WORK/record.tmp"
  grep -q '^end-record ' "$WORK/record.tmp"
}

for attempt in 1 2; do
  b0=$(date +%s)
  if boot; then
    mv "$WORK/record.tmp" "$OUT"
    echo "record: boot $attempt ok in $(( $(date +%s) - b0 )) s: $(tail -1 "$OUT")"
    grep -a -E '^ORACLE|^oracle-probe: [0-9]+ cases' "$WORK/serial.log" | sed 's/^/record: /' || true
    echo "record: $OUT"
    exit 0
  fi
  echo "record: boot $attempt failed after $(( $(date +%s) - b0 )) s" >&2
  cp "$WORK/serial.log" "$WORK/serial-$attempt.log" 2>/dev/null || true
done
echo "record: two boots failed; the serial log's tail ($WORK/serial-2.log):" >&2
tail -60 "$WORK/serial-2.log" >&2 || true
exit 1
