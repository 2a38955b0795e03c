#!/usr/bin/env bash
# The disk table of `make bench` (docs/BENCHMARKS.md, "Disk throughput: Linux
# and Apus"): sequential write and read throughput and 4 KiB read latency
# through the driver domain's block back end, seen by two front ends:
#   Linux blkfront   Configs/bench-linux-disk.dts: Debian's kernel, xen-blkfront,
#                    Linux/disk-bench (dd with O_DIRECT on /dev/xvda)
#   Apus front end   Configs/bench-apus-disk.dts: the disk guest, mode=throughput
# Same driver domain, same disk slice (sectors 2048..10239 of a fresh 16 MiB
# image on the driver domain's transport: 3 on vexpress-a15, 31 on virt, whose
# versions are in Configs/virt/), same reservations. Each system boots RUNS times under
# -icount shift=0,sleep=off; the table shows the median and the spread
# (min..max) of the runs. Times are virtual time (Linux's clock and the disk
# guest's counter follow the instruction count), but QEMU completes disk
# requests in host time, so runs differ. A run that does not power off cleanly,
# fails a check or lacks a line fails the script, with its console.
#
# Environment: BUILD (default build), PLATFORM (vexpress-a15, the default, or
# virt), RAM_MB (default 256), QEMU (default qemu-system-arm),
# RUNS (boots per system, default 3), BENCH_TIMEOUT (seconds per run, default 300).
set -u -o pipefail

BUILD=${BUILD:-build}
PLATFORM=${PLATFORM:-vexpress-a15}
RAM_MB=${RAM_MB:-256}
QEMU=${QEMU:-qemu-system-arm}
RUNS=${RUNS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
# Where each machine's systems are, and the large-image pack's address
# (bench-linux-disk.dts, hypervisor { large-images }).
case $PLATFORM in
  vexpress-a15)
    SYSTEMS_DIR=$BUILD/systems
    MACHINE=(-M vexpress-a15,virtualization=on -global pl041.audiodev=none)
    LARGE_IMAGES=0x81800000 ;;
  virt)
    SYSTEMS_DIR=$BUILD/virt/systems
    MACHINE=(-M virt,virtualization=on)
    LARGE_IMAGES=0x41800000 ;;
  *)
    echo "disk-bench: PLATFORM=$PLATFORM is not a known value: use PLATFORM=vexpress-a15 (default) or PLATFORM=virt" >&2
    exit 1 ;;
esac
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "disk-bench: RUNS=$RUNS is not a positive number" >&2; exit 1; }

fail() {
  echo "disk-bench: $1" >&2
  [ -n "${2-}" ] && { echo "--- captured output ---" >&2; printf '%s\n' "$2" >&2; echo "--- end ---" >&2; }
  exit 1
}

DISKS=$(mktemp -d "${TMPDIR:-/tmp}/apus-disk-bench.XXXXXX") || fail "no temporary directory"
trap 'rm -rf "$DISKS"' EXIT

# Boots $SYSTEMS_DIR/$1.elf (extra QEMU arguments after the name) on a fresh
# disk and leaves its console, with CR removed, in RUN_OUTPUT.
boot() {
  local name=$1 elf="$SYSTEMS_DIR/$1.elf" status
  shift
  [ -f "$elf" ] || fail "$elf is missing: run make (or make bench) first"
  rm -f "$DISKS/split.img"
  truncate -s 16M "$DISKS/split.img" || fail "cannot create the disk image in $DISKS"
  RUN_OUTPUT=$(timeout "$BENCH_TIMEOUT" "$QEMU" "${MACHINE[@]}" \
    -cpu cortex-a15 -m "${RAM_MB}M" -nographic -audiodev none,id=none -semihosting \
    -icount shift=0,sleep=off "$@" \
    -drive "if=none,id=split,format=raw,file=$DISKS/split.img" -device virtio-blk-device,drive=split \
    -kernel "$elf" </dev/null 2>/dev/null | tr -d '\r')
  status=$?
  [ $status -eq 124 ] && fail "$name: no power-off within ${BENCH_TIMEOUT}s" "$RUN_OUTPUT"
  [ $status -eq 0 ] || fail "$name: QEMU exited with status $status" "$RUN_OUTPUT"
  [ "$(grep -v '^\[' <<<"$RUN_OUTPUT" | tail -n 1)" = "Apus: exit status 0" ] ||
    fail "$name: the hypervisor's last line does not confirm exit status 0" "$RUN_OUTPUT"
  grep -q 'CHECK .* FAILED\|DISKBENCH FAILED' <<<"$RUN_OUTPUT" && fail "$name: a check failed" "$RUN_OUTPUT"
  return 0
}

# "bytes ns" of `[source] DISKBENCH op=$2 ...` in $3.
diskbench() {
  grep -F -- "[$1] DISKBENCH op=$2 " <<<"$3" | head -n 1 | sed -n 's/.* bytes=\([0-9]*\) ns=\([0-9]*\).*/\1 \2/p'
}

# One run's figures, "write_MiB/s read_MiB/s read4k_us each_mean_us each_max_us",
# from the console $3 of system $2 whose measuring VM is $1. Linux's spans each
# include starting one dd (its `op=start` line): that is taken off. Each read:
# Linux's block layer's issue -> completion (`op=read-4k-each`), the disk
# guest's request -> completion seen (`BENCH guest disk-read-4k`).
figures() {
  local source=$1 name=$2 output=$3 start=0 op bytes ns each
  local -a values=()
  if [ "$source" = linux ]; then
    read -r _ start <<<"$(diskbench linux start "$output")"
    [ -n "$start" ] || fail "$name: no DISKBENCH line for start" "$output"
  fi
  for op in write read read-4k; do
    read -r bytes ns <<<"$(diskbench "$source" "$op" "$output")"
    [ -n "${ns-}" ] && [ "$bytes" -gt 0 ] && [ "$ns" -gt "$start" ] ||
      fail "$name: no usable DISKBENCH line for $op" "$output"
    ns=$((ns - start))
    if [ "$op" = read-4k ]; then
      values+=("$(awk -v b="$bytes" -v ns="$ns" 'BEGIN { printf "%.1f", ns / (b / 4096) / 1000 }')")
    else
      values+=("$(awk -v b="$bytes" -v ns="$ns" 'BEGIN { printf "%.2f", b / 1048576 / (ns / 1e9) }')")
    fi
  done
  if [ "$source" = linux ]; then
    each=$(grep -F -- "[linux] DISKBENCH op=read-4k-each " <<<"$output" | head -n 1 |
      sed -n 's/.* n=[1-9][0-9]* mean_ns=\([0-9]*\) max_ns=\([0-9]*\)$/\1 \2/p')
  else
    each=$(grep -F -- "[disk] BENCH guest disk-read-4k " <<<"$output" | head -n 1 |
      sed -n 's/.* n=[1-9][0-9]* min=[0-9]* mean=\([0-9]*\) p99=[0-9]* max=\([0-9]*\)$/\1 \2/p')
  fi
  [ -n "$each" ] || fail "$name: no line timing each 4 KiB read" "$output"
  echo "${values[*]} $(awk -v m="${each% *}" -v x="${each#* }" 'BEGIN { printf "%.1f %.1f", m / 1000, x / 1000 }')"
}

# "median (min..max)" of the numbers on stdin.
summary() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
    if (NR == 1) print v[1]; else printf "%s (%s..%s)\n", m, v[1], v[NR] }'
}

# path label | system | measuring VM | extra QEMU arguments
PATHS=(
  "Linux blkfront|bench-linux-disk|linux|-device loader,file=$SYSTEMS_DIR/bench-linux-disk/large-images.pack,addr=$LARGE_IMAGES,force-raw=on"
  "Apus front end|bench-apus-disk|disk|"
)
ROWS=()
for entry in "${PATHS[@]}"; do
  IFS='|' read -r label system source extra <<<"$entry"
  runs=()
  for ((run = 1; run <= RUNS; run++)); do
    # shellcheck disable=SC2086 # extra is one QEMU option and its value
    boot "$system" $extra
    runs+=("$(figures "$source" "$system" "$RUN_OUTPUT")")
  done
  row="$label"
  for column in 1 2 3 4 5; do
    row+="|$(printf '%s\n' "${runs[@]}" | cut -d' ' -f$column | summary)"
  done
  ROWS+=("$row")
done

echo "QEMU (disk throughput, $PLATFORM): Linux's xen-blkfront and Apus's own front end, the same driver"
echo "domain and disk slice (bench-linux-disk.dts, bench-apus-disk.dts): 4 MiB written, then read,"
echo "in the largest requests each front end makes, then 1000 4 KiB reads one at a time (4 KiB read:"
echo "elapsed / 1000; each: every read timed, Linux's by its block layer's tracepoints). Virtual time"
echo "under -icount shift=0,sleep=off; QEMU completes disk requests in host time, so runs vary: median"
echo "(min..max) of $RUNS runs each."
format="%-15s  %-24s  %-24s  %-22s  %-22s  %s\n"
printf "$format" path "write MiB/s" "read MiB/s" "4 KiB read us" "each: mean us" "each: max us"
for row in "${ROWS[@]}"; do
  IFS='|' read -r label write read latency mean max <<<"$row"
  printf "$format" "$label" "$write" "$read" "$latency" "$mean" "$max"
done
