#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every scenario of target/native-guest (the real Linux 6.1 events and
# grant code) against test/trace-bridge.py, a stand-in bridge, and checks
# each result line. Not xenabi: the stand-in answers from a table; this
# checks the runtime, the shim and the scenario drivers end to end.
# Exit 0 when every check passed.
set -u
cd "$(dirname "$0")/.."
ng=target/native-guest
dir=$(mktemp -d /tmp/ng-stand-in.XXXXXX)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0

check() { # name, expected pattern, command...
	name=$1 want=$2
	shift 2
	out=$(timeout 60 python3 test/trace-bridge.py "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 124 ]; then
		fail=$((fail + 1))
		echo "FAIL $name: timed out after 60 s"
	elif printf '%s\n' "$out" | grep -Eq "$want"; then
		pass=$((pass + 1))
		echo "ok   $name: $(printf '%s\n' "$out" | grep -E "$want" | tail -1)"
	else
		fail=$((fail + 1))
		echo "FAIL $name (wanted /$want/):"
		printf '%s\n' "$out" | tail -8 | sed 's/^/     /'
	fi
}

for n in 1 2 4; do
	check "boot fifo ${n} vCPUs" "boot: abi=fifo vcpus=$n " --fifo --vcpus $n "$dir" -- $ng boot
	check "boot 2l ${n} vCPUs" "boot: abi=2l vcpus=$n " --vcpus $n "$dir" -- $ng boot
done
check "ping fifo" "ping: abi=fifo sent=50 replies=50 lost=0 bind-events=1" --fifo "$dir" -- \
	$ng ping --remote 0 --remote-port 5 --count 50
check "ping 2l" "ping: abi=2l sent=50 replies=50 lost=0 bind-events=1" "$dir" -- \
	$ng ping --remote 0 --remote-port 5 --count 50
check "ping fifo on vCPU 1 (bind_vcpu)" "ping: abi=fifo sent=50 replies=50 lost=0" --fifo --vcpus 2 "$dir" -- \
	$ng ping --remote 0 --remote-port 5 --count 50 --cpu 1
check "ping 2l on vCPU 3 (bind_vcpu)" "ping: abi=2l sent=50 replies=50 lost=0" --vcpus 4 "$dir" -- \
	$ng ping --remote 0 --remote-port 5 --count 50 --cpu 3
check "grant v1" "grant: abi=fifo granted=8 ended=8 refused-while-mapped=0" --fifo "$dir" -- \
	$ng grant --remote 0 --pages 8
check "map (PHYSMAP from a file)" "map: abi=fifo from=3 asked=3 mapped=3 verified=3 unmapped=3" --fifo "$dir" -- \
	$ng map --remote 3 --refs 8,9,10
check "map read-only (a write faults)" \
	"map: abi=fifo from=3 asked=2 mapped=2 verified=2 unmapped=2 restored=2 replied=0 faulted=2" --fifo "$dir" -- \
	$ng map --remote 3 --refs 8,9 --readonly
check "2019, FIFO permitted: events lost" "ping: abi=2l sent=20 replies=0 lost=20" --fifo --ram-mib 32 "$dir" -- \
	$ng --alloc-from-mib 16 boot-kernel --then $ng resumed-kernel --remote 0 --remote-port 5 --count 20 --timeout-ms 20
check "2019, FIFO withheld: none lost" "ping: abi=2l sent=20 replies=20 lost=0" --ram-mib 32 "$dir" -- \
	$ng --alloc-from-mib 16 boot-kernel --then $ng resumed-kernel --remote 0 --remote-port 5 --count 20 --timeout-ms 20
echo "stand-in: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
