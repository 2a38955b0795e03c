#!/usr/bin/env bash
# The QEMU half of `make bench`: boots each bench system (Configs/bench-*.dts,
# built by make beforehand; this script builds nothing) under
# -icount shift=0,sleep=off, collects every `BENCH ...` line and prints one
# table in instructions (1 instruction = 1 ns of virtual time). Fails, with
# the captured console, when a run fails, a check fails or a line is missing.
# Numbers are printed, never judged. docs/BENCHMARKS.md, "QEMU (hypervisor)".
#
# Then the I/O experiment (docs/BENCHMARKS.md, "Split vs passthrough I/O"):
# boots Configs/bench-io-{sedf,credit}-{idle,hog}.dts, each with two fresh
# 16 MiB disk images (the driver domain's on transport 3, the measuring
# guest's own on transport 2; on virt 31 and 30), and Configs/events.dts, and
# prints a second table: block round trips per path x load x scheduler,
# console line cost, event notification.
#
# PLATFORM=virt boots the virt versions (build/virt/systems, from
# Configs/virt/) on -M virt: the I/O, event and RT-with-I/O tables. The first
# table needs bench-sedf and bench-credit, which time a passed-through SP804
# timer: virt has none, so that table is vexpress-a15's only.
#
# Environment: BUILD (default build), PLATFORM (vexpress-a15, the default, or
# virt), RAM_MB (default 256, as make's), QEMU (default qemu-system-arm),
# BENCH_TIMEOUT (seconds per run, default 120), SMP (physical CPUs, -smp, default 1).
set -u -o pipefail

BUILD=${BUILD:-build}
PLATFORM=${PLATFORM:-vexpress-a15}
RAM_MB=${RAM_MB:-256}
QEMU=${QEMU:-qemu-system-arm}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
SMP=${SMP:-1}
case $PLATFORM in
  vexpress-a15)
    SYSTEMS_DIR=$BUILD/systems
    MACHINE=(-M vexpress-a15,virtualization=on -global pl041.audiodev=none)
    SYSTEMS=(sedf credit) ;;
  virt)
    SYSTEMS_DIR=$BUILD/virt/systems
    MACHINE=(-M virt,virtualization=on)
    SYSTEMS=() ;;
  *)
    echo "qemu-bench: PLATFORM=$PLATFORM is not a known value: use PLATFORM=vexpress-a15 (default) or PLATFORM=virt" >&2
    exit 1 ;;
esac

# source/name | measurement | what it measures (one line)
ROWS=(
  "bench/hypercall|null hypercall|xen_version from the guest: hvc, HYP entry, dispatch, handler, return to the guest"
  "bench/trap|trap and emulate|ACTLR read trapped by HCR.TAC, decoded and emulated, back to the next guest instruction"
  "bench/vm-switch|VM switch (guest)|SCHEDOP_yield in one VM to the next instruction of the other: trap, yield, decide, switch, return"
  "peer/vm-switch|VM switch (peer)|the same, measured by the other VM of the pair"
  "bench/yield-round-trip|yield round trip|one VM's yield until it runs again: two switches plus the peer's 8-instruction loop section"
  "bench/device-irq|device IRQ, running|SP804 (passed through) fires -> guest IRQ handler entry, VCPU spinning with IRQs unmasked"
  "bench/device-irq-wfi|device IRQ, in WFI|the same with the VCPU blocked in WFI: hypervisor idle, wake, decide, switch in, inject"
  "bench/vtimer-busy|vtimer IRQ, busy|CNTVCT reaches CNTV_CVAL -> guest IRQ handler entry, VCPU spinning"
  "bench/vtimer-wfi|vtimer IRQ, in WFI|the same with the VCPU blocked in WFI until the hypervisor's CNTHP wakes it at CVAL"
  "bench/counter-read|counter read|two back-to-back PMCCNTR reads: the offset removed from the trap samples above"
  "hypervisor/trap-handling|HYP: trap handling|hypervisor's own count: Swift trap dispatcher entry to return, every trap and IRQ"
  "hypervisor/decide|HYP: decide|hypervisor's own count: one decision of the scheduling loop (timer wake-ups, progress watch, the scheduler's decide())"
  "hypervisor/vcpu-switch|HYP: vcpu-switch|hypervisor's own count: save one VCPU, restore another, VTTBR write"
)

fail() {
  echo "qemu-bench: $1" >&2
  [ -n "${2-}" ] && { echo "--- captured output ---" >&2; printf '%s\n' "$2" >&2; echo "--- end ---" >&2; }
  exit 1
}

# Boots $SYSTEMS_DIR/<name>.elf (extra QEMU arguments after the name) and
# leaves its console, with CR removed, in RUN_OUTPUT.
boot() {
  local name=$1 elf="$SYSTEMS_DIR/$1.elf" status
  shift
  [ -f "$elf" ] || fail "$elf is missing: run make (or make bench) first"
  RUN_OUTPUT=$(timeout "$BENCH_TIMEOUT" "$QEMU" "${MACHINE[@]}" -cpu cortex-a15 -smp "$SMP" -m "${RAM_MB}M" \
    -nographic -audiodev none,id=none -semihosting \
    -icount shift=0,sleep=off "$@" -kernel "$elf" </dev/null 2>/dev/null | tr -d '\r')
  status=$?
  [ $status -eq 124 ] && fail "$name: no power-off within ${BENCH_TIMEOUT}s" "$RUN_OUTPUT"
  # ALLOWED_FAILURE names one check whose failure is the measurement (missed deadlines):
  # then the run ends with status 6 (a guest reported a failed check), checked below.
  [ $status -ne 0 ] && ! { [ $status -eq 6 ] && [ -n "${ALLOWED_FAILURE:-}" ]; } &&
    fail "$name: QEMU exited with status $status" "$RUN_OUTPUT"
  [ "$(grep -v '^\[' <<<"$RUN_OUTPUT" | tail -n 1)" = "Apus: exit status $status" ] ||
    fail "$name: the hypervisor's last line does not confirm exit status $status" "$RUN_OUTPUT"
  grep 'CHECK .* FAILED' <<<"$RUN_OUTPUT" | grep -q -v -F -- "CHECK ${ALLOWED_FAILURE:-} FAILED" &&
    fail "$name: a guest check failed" "$RUN_OUTPUT"
  return 0
}

# The hypervisor table, from bench-sedf and bench-credit (vexpress-a15 only).
hypervisor_table() {
  # One run per system: its console in OUTPUT[system].
  declare -A OUTPUT
  for system in "${SYSTEMS[@]}"; do
    boot "bench-$system"
    OUTPUT[$system]=$RUN_OUTPUT
  done

  # The fields of one BENCH line: "n min mean max".
  fields() {
    local source=${1%%/*} name=${1#*/} prefix
    if [ "$source" = hypervisor ]; then prefix="BENCH hypervisor $name "; else prefix="[$source] BENCH guest $name "; fi
    grep -F -- "$prefix" <<<"$2" | head -n 1 |
      sed -n 's/.* n=\([0-9]*\) min=\([0-9]*\) mean=\([0-9]*\) max=\([0-9]*\)$/\1 \2 \3 \4/p'
  }

  TABLE=()
  for row in "${ROWS[@]}"; do
    IFS='|' read -r key label explanation <<<"$row"
    for system in "${SYSTEMS[@]}"; do
      values=$(fields "$key" "${OUTPUT[$system]}")
      [ -n "$values" ] || fail "bench-$system: no BENCH line for $key" "${OUTPUT[$system]}"
      read -r n min mean max <<<"$values"
      [ "$n" -gt 0 ] || fail "bench-$system: $key has no samples (n=0)" "${OUTPUT[$system]}"
      TABLE+=("$label|$system|$n|$min|$mean|$max|$explanation")
    done
  done

  # The virtual IPI: Configs/smp-vcpus.dts (SEDF, one VM with VCPUs on CPUs 0 and 1) on two CPUs.
  SMP=2 boot smp-vcpus
  values=$(fields "smp/virtual-ipi" "$RUN_OUTPUT")
  [ -n "$values" ] || fail "smp-vcpus: no BENCH line for virtual-ipi" "$RUN_OUTPUT"
  read -r n min mean max <<<"$values"
  TABLE+=("virtual IPI|sedf|$n|$min|$mean|$max|GICD_SGIR write on VCPU 0 (CPU 0) -> SGI handler entry on VCPU 1 (CPU 1, blocked in WFI); VCPU 0 then waits in WFI; virtual counter, 16 ns steps")

  echo "QEMU (hypervisor): instructions under -icount shift=0,sleep=off (1 instruction = 1 ns of virtual time)"
  width=$(for line in "${TABLE[@]}"; do label=${line%%|*}; echo ${#label}; done | sort -n | tail -n 1)
  format="%-${width}s  %-9s %5s %7s %7s %7s  %s\n"
  printf "$format" measurement scheduler n min mean max "what it measures"
  for line in "${TABLE[@]}"; do
    IFS='|' read -r label system n min mean max explanation <<<"$line"
    printf "$format" "$label" "$system" "$n" "$min" "$mean" "$max" "$explanation"
  done
}

if [ ${#SYSTEMS[@]} -gt 0 ]; then
  hypervisor_table
else
  echo "QEMU (hypervisor): not measured on $PLATFORM (bench-sedf and bench-credit time a passed-through SP804 timer, which $PLATFORM lacks)"
fi

# ---- Split vs passthrough I/O (docs/BENCHMARKS.md, "Split vs passthrough I/O") ----
IO_SCHEDULERS=(sedf credit)
IO_LOADS=(idle hog)
DISKS=$(mktemp -d "${TMPDIR:-/tmp}/apus-bench-io.XXXXXX") || fail "no temporary directory"
trap 'rm -rf "$DISKS"' EXIT

declare -A IO_OUTPUT
for scheduler in "${IO_SCHEDULERS[@]}"; do
  for load in "${IO_LOADS[@]}"; do
    system="bench-io-$scheduler-$load"
    rm -f "$DISKS/split.img" "$DISKS/direct.img"
    truncate -s 16M "$DISKS/split.img" "$DISKS/direct.img" || fail "cannot create the disk images in $DISKS"
    # The first device lands on transport 3 (the driver domain's), the second on transport 2 (the guest's).
    boot "$system" \
      -drive "if=none,id=split,format=raw,file=$DISKS/split.img" -device virtio-blk-device,drive=split \
      -drive "if=none,id=direct,format=raw,file=$DISKS/direct.img" -device virtio-blk-device,drive=direct
    if [ "$load" = hog ]; then
      # The hog must outlive the measurement, or part of it ran on an idle system.
      disk_stop=$(grep -n 'VM disk stopped' <<<"$RUN_OUTPUT" | head -n 1 | cut -d: -f1)
      hog_stop=$(grep -n 'VM hog stopped' <<<"$RUN_OUTPUT" | head -n 1 | cut -d: -f1)
      [ -n "$disk_stop" ] && [ -n "$hog_stop" ] && [ "$disk_stop" -lt "$hog_stop" ] ||
        fail "$system: the hog stopped before the measuring guest (raise its duration)" "$RUN_OUTPUT"
    fi
    IO_OUTPUT[$scheduler-$load]=$RUN_OUTPUT
  done
done
boot events
EVENTS_OUTPUT=$RUN_OUTPUT

# The paper's RT guest, each job starting with a 4 KiB read, beside a hog.
RTIO_PATHS=(direct split)
declare -A RTIO_OUTPUT
ALLOWED_FAILURE=rt-deadlines
for scheduler in "${IO_SCHEDULERS[@]}"; do
  for path in "${RTIO_PATHS[@]}"; do
    rm -f "$DISKS/split.img" "$DISKS/direct.img"
    truncate -s 16M "$DISKS/split.img" "$DISKS/direct.img" || fail "cannot create the disk images in $DISKS"
    boot "bench-rtio-$scheduler-$path" \
      -drive "if=none,id=split,format=raw,file=$DISKS/split.img" -device virtio-blk-device,drive=split \
      -drive "if=none,id=direct,format=raw,file=$DISKS/direct.img" -device virtio-blk-device,drive=direct
    RTIO_OUTPUT[$scheduler-$path]=$RUN_OUTPUT
  done
done
ALLOWED_FAILURE=

# "n min mean p99 max" of the `[source] BENCH guest name ...` line in $2
# (p99 "-" when the line has none).
guest_fields() {
  local line
  line=$(grep -F -- "[$1] BENCH guest $2 " <<<"$3" | head -n 1)
  [ -n "$line" ] || return 0
  sed -n 's/.* n=\([0-9]*\) min=\([0-9]*\) mean=\([0-9]*\) p99=\([0-9]*\) max=\([0-9]*\)$/\1 \2 \3 \4 \5/p;
          s/.* n=\([0-9]*\) min=\([0-9]*\) mean=\([0-9]*\) max=\([0-9]*\)$/\1 \2 \3 - \4/p' <<<"$line"
}

# measurement|path label|key in the disk guest's output
IO_ROWS=(
  "block read 4 KiB|passthrough|disk-read-4k-direct"
  "block read 4 KiB|split|disk-read-4k-split"
  "console line|ring (split)|console-line-ring"
  "console line|console_io|console-line-hypercall"
)
IO_TABLE=()
for row in "${IO_ROWS[@]}"; do
  IFS='|' read -r label path key <<<"$row"
  for scheduler in "${IO_SCHEDULERS[@]}"; do
    for load in "${IO_LOADS[@]}"; do
      output=${IO_OUTPUT[$scheduler-$load]}
      values=$(guest_fields disk "$key" "$output")
      [ -n "$values" ] || fail "bench-io-$scheduler-$load: no BENCH line for $key" "$output"
      read -r n min mean p99 max <<<"$values"
      [ "$n" -gt 0 ] || fail "bench-io-$scheduler-$load: $key has no samples (n=0)" "$output"
      IO_TABLE+=("$label|$path|$load|$scheduler|$n|$min|$mean|$p99|$max")
    done
  done
done
values=$(guest_fields client event-roundtrip "$EVENTS_OUTPUT")
[ -n "$values" ] || fail "events: no BENCH line for event-roundtrip" "$EVENTS_OUTPUT"
read -r n min mean p99 max <<<"$values"
IO_TABLE+=("event round trip|send->reply seen|idle|sedf|$n|$min|$mean|$p99|$max")
values=$(guest_fields server event-notify "$EVENTS_OUTPUT")
[ -n "$values" ] || fail "events: no BENCH line for event-notify" "$EVENTS_OUTPUT"
read -r n min mean p99 max <<<"$values"
IO_TABLE+=("event notify (one way)|send->handler|idle|sedf|$n|$min|$mean|$p99|$max")

echo
echo "QEMU (split vs passthrough I/O): instructions under -icount shift=0,sleep=off, as the guest sees them"
echo "(block: QEMU completes disk requests in host time, outside the instruction clock: they vary run to run)"
width=$(for line in "${IO_TABLE[@]}"; do label=${line%%|*}; echo ${#label}; done | sort -n | tail -n 1)
pwidth=$(for line in "${IO_TABLE[@]}"; do IFS='|' read -r _ path _ <<<"$line"; echo ${#path}; done | sort -n | tail -n 1)
format="%-${width}s  %-${pwidth}s  %-4s  %-6s %5s %7s %7s %7s %7s\n"
printf "$format" measurement path load sched n min mean p99 max
for line in "${IO_TABLE[@]}"; do
  IFS='|' read -r label path load scheduler n min mean p99 max <<<"$line"
  printf "$format" "$label" "$path" "$load" "$scheduler" "$n" "$min" "$mean" "$p99" "$max"
done

# ---- The RT guest with I/O (docs/BENCHMARKS.md, "RT guest with I/O") ----
echo
echo "QEMU (the paper's RT guest, one 4 KiB read per job, beside a hog): deadlines, and the read as the guest sees it"
format="%-11s  %-6s %5s %7s %14s %9s %9s %9s\n"
printf "$format" path sched jobs misses worst_resp_us io_mean io_p99 io_max
for path in "${RTIO_PATHS[@]}"; do
  for scheduler in "${IO_SCHEDULERS[@]}"; do
    output=${RTIO_OUTPUT[$scheduler-$path]}
    result=$(grep -F '[rt] RESULT task=0 ' <<<"$output" | head -n 1)
    [ -n "$result" ] || fail "bench-rtio-$scheduler-$path: no RESULT line" "$output"
    jobs=$(sed -n 's/.* released=\([0-9]*\) .*/\1/p' <<<"$result")
    misses=$(sed -n 's/.* misses=\([0-9]*\) .*/\1/p' <<<"$result")
    worst=$(sed -n 's/.* worst_response=\([0-9]*\) .*/\1/p' <<<"$result")
    values=$(guest_fields rt "rt-io-$path" "$output")
    [ -n "$values" ] || fail "bench-rtio-$scheduler-$path: no BENCH line for rt-io-$path" "$output"
    read -r n min mean p99 max <<<"$values"
    label=$([ "$path" = direct ] && echo passthrough || echo split)
    printf "$format" "$label" "$scheduler" "$jobs" "$misses" "$worst" "$mean" "$p99" "$max"
  done
done
