#!/bin/sh
# SPDX-License-Identifier: MIT
# Build the native guest: extract Linux's files from linux-source-6.1 (if the
# package is installed) and compile them with the shim and runtime.
# Exit 3 with one line when the package, gcc or make is missing, so callers can skip.
set -eu
cd "$(dirname "$0")"
tarball=${TARBALL:-/usr/src/linux-source-6.1.tar.xz}
if [ ! -r "$tarball" ]; then
	echo "native-guest: skipped: $tarball missing (apt-get install linux-source-6.1)" >&2
	exit 3
fi
for tool in "${CC:-gcc}" make; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "native-guest: skipped: $tool missing (apt-get install gcc make)" >&2
		exit 3
	fi
done
start=$(date +%s)
make -s -j"$(nproc)" TARBALL="$tarball" "$@"
echo "native-guest: built target/native-guest in $(( $(date +%s) - start )) s"
