#!/usr/bin/env bash
# Instructions retired per order-book operation: the stand-in for compute units (DESIGN §3).
# Builds the `book` bench (release settings: opt-level 3, overflow checks on, codegen-units 1),
# runs it under callgrind once per depth, and divides each `op_*` wrapper's inclusive
# instruction count by its call count (and by k for takes: a per-fill figure).
# Usage: scripts/book-cost.sh [depth ...]   (default: 64 1024 4096). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
depths=("${@:-64 1024 4096}")
read -r -a depths <<<"${depths[*]}"
exe=$(cargo bench -p perp-engine --bench book --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for d in "${depths[@]}"; do
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.$d" "$exe" --callgrind "$d" >/dev/null 2>"$out/log.$d"
  callgrind_annotate --inclusive=yes --tree=calling --threshold=100 "$out/cg.$d" >"$out/ann.$d" 2>/dev/null
done
# "<Ir> (<pct>)  *  ???:book::op_x [...]" heads each function's block; its calls are not needed:
# every wrapper is called exactly M times (the bench asserts it by construction).
cost() { # file op -> inclusive Ir of book::<op>
  awk -v f="book::$2" '{ for (i = 1; i < NF; i++) if ($i == "*") { n = $(i + 1); if (substr(n, length(n) - length(f) + 1) == f) { gsub(",", "", $1); print $1; exit } } }' "$1"
}
m=1000
printf 'order book, instructions retired per op (callgrind, M = %d calls each; take k: per fill)\n' "$m"
printf '%-16s' 'op \ depth'; for d in "${depths[@]}"; do printf '%10s' "$d"; done; printf '\n'
for row in "place:op_place:1" "margin check:op_margin:1" "dynamic margin:op_margin_dynamic:1" \
           "cancel:op_cancel:1" "take 1:op_take_1:1" "take 8:op_take_8:8" \
           "take 8 inline:op_take_8_inline:8" "consume:op_consume:1" \
           "trigger check:op_trigger:1" "requote 10:op_requote_10:1"; do
  IFS=: read -r name fn k <<<"$row"
  printf '%-16s' "$name"
  for d in "${depths[@]}"; do
    ir=$(cost "$out/ann.$d" "$fn")
    printf '%10s' "$(( ir / (m * k) ))"
  done
  printf '\n'
done
