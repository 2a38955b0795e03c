#!/usr/bin/env bash
# The QEMU half of `make bench`: boots each bench system (Configs/bench-*.dts,
# built by make beforehand; this script builds nothing) under
# -icount shift=0,sleep=off, collects every `BENCH ...` line and prints one
# table in instructions (1 instruction = 1 ns of virtual time). Fails, with
# the captured console, when a run fails, a check fails or a line is missing.
# Numbers are printed, never judged. docs/BENCHMARKS.md, "QEMU (hypervisor)".
#
# Environment: BUILD (default build), RAM_MB (default 256, as make's),
# QEMU (default qemu-system-arm), BENCH_TIMEOUT (seconds per run, default 120).
set -u -o pipefail

BUILD=${BUILD:-build}
RAM_MB=${RAM_MB:-256}
QEMU=${QEMU:-qemu-system-arm}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
SYSTEMS=(sedf credit)

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
  "hypervisor/decide|HYP: decide|hypervisor's own count: one scheduling decision (the scheduler's decide())"
  "hypervisor/vcpu-switch|HYP: vcpu-switch|hypervisor's own count: save one VCPU, restore another, VTTBR write"
)

fail() {
  echo "qemu-bench: $1" >&2
  [ -n "${2-}" ] && { echo "--- captured output ---" >&2; printf '%s\n' "$2" >&2; echo "--- end ---" >&2; }
  exit 1
}

# One run per system: its console, with CR removed, in OUTPUT[system].
declare -A OUTPUT
for system in "${SYSTEMS[@]}"; do
  elf="$BUILD/systems/bench-$system.elf"
  [ -f "$elf" ] || fail "$elf is missing: run make (or make bench) first"
  output=$(timeout "$BENCH_TIMEOUT" "$QEMU" -M vexpress-a15,virtualization=on -cpu cortex-a15 -m "${RAM_MB}M" \
    -nographic -audiodev none,id=none -global pl041.audiodev=none -semihosting \
    -icount shift=0,sleep=off -kernel "$elf" </dev/null 2>&1 | tr -d '\r')
  status=$?
  [ $status -eq 124 ] && fail "bench-$system: no power-off within ${BENCH_TIMEOUT}s" "$output"
  [ $status -ne 0 ] && fail "bench-$system: QEMU exited with status $status" "$output"
  grep -q 'CHECK .* FAILED' <<<"$output" && fail "bench-$system: a guest check failed" "$output"
  OUTPUT[$system]=$output
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

echo "QEMU (hypervisor): instructions under -icount shift=0,sleep=off (1 instruction = 1 ns of virtual time)"
width=$(for line in "${TABLE[@]}"; do label=${line%%|*}; echo ${#label}; done | sort -n | tail -n 1)
format="%-${width}s  %-9s %5s %7s %7s %7s  %s\n"
printf "$format" measurement scheduler n min mean max "what it measures"
for line in "${TABLE[@]}"; do
  IFS='|' read -r label system n min mean max explanation <<<"$line"
  printf "$format" "$label" "$system" "$n" "$min" "$mean" "$max" "$explanation"
done
