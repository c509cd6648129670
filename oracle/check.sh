#!/usr/bin/env bash
# CI's oracle step: builds or reuses the image, boots real Xen, records the corpus, and compares
# the fresh record with the committed one (oracle/corpus/xen-4.17.record) under the rules of
# docs/ORACLE.md. Exits 1 on any divergence, or when two boots in a row fail.
#   oracle/check.sh            record and compare
#   oracle/check.sh --update   record and replace the committed record (after adding cases)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECTED=$HERE/corpus/xen-4.17.record
WORK=$(mktemp -d /tmp/xenabi-oracle.XXXXXX)
t0=$(date +%s)
"$HERE"/record.sh -w "$WORK" -o "$WORK/fresh.record"
t1=$(date +%s)
if [ "${1:-}" = --update ]; then
  cp "$WORK/fresh.record" "$EXPECTED"
  echo "oracle: $EXPECTED updated ($(tail -1 "$EXPECTED")) in $((t1 - t0)) s"
  exit 0
fi
if "$WORK/oracle-probe" compare "$EXPECTED" "$WORK/fresh.record"; then
  echo "oracle: real Xen agrees with the committed record; $((t1 - t0)) s in all"
  rm -rf "$WORK"
else
  echo "oracle: real Xen's answers differ from $EXPECTED (fresh record and serial log in $WORK)" >&2
  exit 1
fi
