#!/bin/sh
# dom0's /init in the oracle image: starts the toolstack, creates the PV domU, runs the probe's
# driver over the corpus (the record goes to the second UART, /dev/ttyS1), then powers off.
# The essential variant has no mount or reboot: busybox's applets fill in, last on the PATH.
/bin/busybox mkdir -p /bb && /bin/busybox --install -s /bb
export PATH=/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin:/bb
say() { echo "ORACLE: $* (t=$(cut -d' ' -f1 /proc/uptime))"; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /var/log/xen/console /var/lib/xen /var/lib/xenstored /var/run
for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs; do modprobe "$m" || say "modprobe $m failed"; done
mount -t xenfs xenfs /proc/xen
say "dom0 up"
xenstored --pid-file=/run/xenstored.pid
xen-init-dom0 >/dev/null
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
DOMU=-1
if xl create /oracle/domU.cfg >/tmp/xl-create.log 2>&1; then
  DOMU=$(xl domid oracle-u)
  say "domU $DOMU created"
else
  say "xl create failed"; cat /tmp/xl-create.log
fi
ARGS=""
[ "$DOMU" -ge 0 ] 2>/dev/null && ARGS="--domU $DOMU"
timeout 340 /oracle/probe drive $ARGS --out /dev/ttyS1 /oracle/corpus/*.cases 2>/tmp/probe.log
rc=$?
say "probe exit $rc"
tail -3 /tmp/probe.log
if [ "$rc" != 0 ]; then
  tail -20 /tmp/probe.log
  xl debug-keys q >/dev/null 2>&1
  xl dmesg | tail -60
fi
echo "ORACLE: domU console:"; tail -20 /var/log/xen/console/guest-oracle-u.log 2>/dev/null
xl destroy oracle-u >/dev/null 2>&1
say "done"
sync
reboot -f
