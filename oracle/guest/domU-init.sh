#!/bin/busybox sh
# The PV domU's /init in the oracle image: loads privcmd (unrestricted, or every hypercall is
# refused in a domU), gntalloc and xenfs, and serves the dom0 driver's calls until told to stop.
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
insmod /m/xen-privcmd.ko unrestricted=1
insmod /m/xen-gntalloc.ko
insmod /m/xen-evtchn.ko
insmod /m/xenfs.ko
mkdir -p /proc/xen
mount -t xenfs xenfs /proc/xen
echo "ORACLE-U: up"
/probe serve
echo "ORACLE-U: probe exit $?"
poweroff -f
