#!/usr/bin/env bash
# Two-channel RTL vs TLM timing over a wide grid (98 points: sizes 64 KiB..4 MiB, N 4..256, both
# directions, offsets spread over the page, 2 requests per channel). A benchmark, not a test:
# prints one line per point and the summary the README quotes.
#   rtl/equivalence_sweep.sh [path/to/dmasim]
set -euo pipefail
bin="${1:-$(dirname "$0")/../build/dmasim}"
figures() {
  "$bin" "$@" --json - | python3 -c \
    'import json,sys; j=json.load(sys.stdin); print(j["sim_time_ns"], j["interrupts"], j["dpcs"])'
}
printf "%-20s %14s %14s %8s %9s %9s\n" point tlm_ns rtl_ns diff_pct irq_t/r dpc_t/r
for s in 64K 192K 256K 512K 1M 2M 4M; do
  for n in 4 8 16 32 64 128 256; do
    for d in to-device from-device; do
      o=$(((${#s} * 37 + n * 13) % 4096))
      args=(--size "$s" --offset "$o" --map-registers "$n" --direction "$d" --channels 2
        --requests 2)
      read -r ta ia da <<<"$(figures "${args[@]}" --engine tlm)"
      read -r tb ib db <<<"$(figures "${args[@]}" --engine rtl)"
      pct=$(python3 -c "print('%+.2f' % (($ta - $tb) / $tb * 100))")
      printf "%-20s %14s %14s %8s %9s %9s\n" "$s/o$o/N$n/${d%%-*}" "$ta" "$tb" "$pct" "$ia/$ib" \
        "$da/$db"
    done
  done
done | tee /dev/stderr | python3 -c '
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
d = [abs(float(r[3])) for r in rows]
print("points %d, mean |diff| %.2f%%, worst %.2f%%, above 2%%: %d, interrupt or DPC counts differ: %d"
      % (len(d), sum(d) / len(d), max(d), sum(x > 2 for x in d),
         sum(r[4].split("/")[0] != r[4].split("/")[1] or r[5].split("/")[0] != r[5].split("/")[1]
             for r in rows)))'
