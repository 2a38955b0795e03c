#!/usr/bin/env bash
# Linux's view, the last part of `make bench` (docs/BENCHMARKS.md): boots
# Configs/linux.dts from a measuring build (MEASURE=1, built by make
# beforehand; this script builds nothing) under -icount shift=0,sleep=off,
# types `poweroff` once the driver domain hands the console to Linux (the
# shell runs it when it first reads), and prints the hypervisor's census: traps
# and interrupts by kind and VM, the instructions HYP spent on each kind, and
# HYP's share of all instructions retired. All instructions are the sum of the
# hypervisor's two PMU counters (guest modes, Hyp mode); HYP's are those the
# Hyp counter saw inside apus_trap only: QEMU splits instructions between the
# two counters unreliably across mode changes (docs/BENCHMARKS.md). Fails, with the captured console,
# when the run does not end with status 0 or prints no census.
#
# Environment: BUILD (the measuring build, default build/measure), RAM_MB
# (default 256), QEMU (default qemu-system-arm), BENCH_TIMEOUT (seconds,
# default 600), CENSUS_CONSOLE (a file to keep the whole console in).
set -u -o pipefail

BUILD=${BUILD:-build/measure}
RAM_MB=${RAM_MB:-256}
QEMU=${QEMU:-qemu-system-arm}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
SYSTEM=linux
LARGE_IMAGES=0x81800000 # Configs/linux.dts, hypervisor { large-images }

elf="$BUILD/systems/$SYSTEM.elf"
pack="$BUILD/systems/$SYSTEM/large-images.pack"
for f in "$elf" "$pack"; do
  [ -f "$f" ] || { echo "linux-census: $f is missing: run make bench (or make BUILD=$BUILD MEASURE=1 $elf) first" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkfifo "$work/in"
timeout "$BENCH_TIMEOUT" "$QEMU" -M vexpress-a15,virtualization=on -cpu cortex-a15 -m "${RAM_MB}M" \
  -display none -monitor none -serial stdio -audiodev none,id=none -global pl041.audiodev=none -semihosting \
  -icount shift=0,sleep=off -device "loader,file=$pack,addr=$LARGE_IMAGES,force-raw=on" \
  -kernel "$elf" < "$work/in" > "$work/out" 2>/dev/null &
qemu=$!
exec 3> "$work/in"
until grep -q '\[consoled\] INPUT -> linux' "$work/out"; do
  kill -0 "$qemu" 2>/dev/null || break
  sleep 1
done
printf 'poweroff\n' >&3
wait "$qemu"
status=$?
exec 3>&-
output=$(tr -d '\r' < "$work/out")
[ -n "${CENSUS_CONSOLE-}" ] && printf '%s\n' "$output" > "$CENSUS_CONSOLE"

fail() {
  echo "linux-census: $1" >&2
  echo "--- captured output (last 60 lines) ---" >&2
  printf '%s\n' "$output" | tail -60 >&2
  exit 1
}
[ $status -eq 124 ] && fail "no power-off within ${BENCH_TIMEOUT}s"
[ $status -eq 0 ] || fail "QEMU exited with status $status"
printf '%s\n' "$output" | grep -q '^CENSUS instructions hyp=' || fail "no census (is $elf a MEASURE=1 build?)"

echo "Linux's view: Configs/linux.dts (stock Debian kernel, RT guest, console driver domain), booted to its"
echo "shell and powered off, measuring build, -icount shift=0,sleep=off. Traps and interrupts by kind and VM;"
echo "HYP instr: instructions retired in HYP from apus_trap's entry to its return (idle time retires none),"
echo "summed over every VM's traps of the kind."
printf '%s\n' "$output" | awk '
  $1 == "CENSUS" && $2 == "trap" {
    vm = $3; kind = $4
    if (!(vm in seenVM)) { seenVM[vm] = 1; vms[++nv] = vm }
    if (!(kind in seenKind)) { seenKind[kind] = 1; kinds[++nk] = kind }
    count[vm, kind] = $5; total[kind] += $5; all += $5
  }
  $1 == "CENSUS" && $2 == "hyp" { hyp[$3] = $4; hypTraps += $4 }
  $1 == "CENSUS" && $2 == "instructions" {
    split($3, h, "="); split($4, g, "="); split($5, hb, "="); split($6, gb, "=")
    hypAll = h[2]; guestAll = g[2]; hypBoot = hb[2]; guestBoot = gb[2]
  }
  END {
    printf "%-24s", "kind"
    for (v = 1; v <= nv; v++) printf " %10s", vms[v]
    printf " %10s %14s %9s\n", "all", "HYP instr", "per trap"
    for (k = 1; k <= nk; k++) {
      kind = kinds[k]
      printf "%-24s", kind
      for (v = 1; v <= nv; v++) printf " %10d", count[vms[v], kind]
      printf " %10d %14.0f %9d\n", total[kind], hyp[kind], total[kind] ? hyp[kind] / total[kind] : 0
    }
    printf "%-24s", "all traps"
    for (v = 1; v <= nv; v++) { s = 0; for (k = 1; k <= nk; k++) s += count[vms[v], kinds[k]]; printf " %10d", s }
    printf " %10d %14.0f %9d\n", all, hypTraps, all ? hypTraps / all : 0
    all = (hypAll - hypBoot) + (guestAll - guestBoot)
    printf "before the first trap: HYP %.0f instructions (creating the VMs, loading their images)\n", hypBoot
    printf "from the first trap to power-off: %.0f instructions retired (guests and HYP), %.0f of them in\n", all, hypTraps
    printf "apus_trap: HYP %.2f %% of all (vector stubs, about 20 instructions per trap, not included)\n", 100 * hypTraps / all
  }'
