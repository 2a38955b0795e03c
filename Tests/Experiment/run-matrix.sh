#!/usr/bin/env bash
# `make experiment` (docs/EXPERIMENT.md): the paper's experiment on Linux guests.
# cyclictest in a PREEMPT_RT Linux VM beside a general-purpose Linux VM on one CPU,
# for every scheduler x GP load x RT I/O path, under -icount shift=0,sleep=off.
#
#  1. Calibration: the RT Linux with the CPU whenever it wants it (SEDF, a large
#     reservation, cyclictest begun once the GP Linux has booted and sits idle, the
#     native RT guest's jobs off), once per I/O path. Its cyclictest max is the CPU one
#     wake-up needs; its hypervisor report the decide and VCPU-switch costs.
#  2. `apus experiment reservation`: refuses a calibration whose RT VM waited for the
#     CPU during cyclictest; the RT VM's interface (apus interface's analysis, the
#     cheapest the calibration cell's other VMs leave room for), the matching credit
#     weight and the bound per I/O path.
#  3. The 18 cells (and the SMP cell, SMP_CELL), each a configuration written from Tests/Experiment/cell-template.dts
#     into $OUT/cells, built by make, booted with fresh disks, JOBS at a time, each with
#     a timeout: a cell that fails or hangs is a `failed` row, never a missing one.
#  4. `apus experiment report`: the table, results.json, a latency histogram per cell.
#  5. Gantt charts: one cell per scheduler again from a TRACE=1 build, one window drawn
#     by `apus trace`.
#
# Environment (defaults in brackets): BUILD [build], EXPERIMENT_OUT [$BUILD/experiment],
# APUS_TOOL [the SwiftPM apus], LOOPS [cyclictest loops per cell], INTERVAL [1130 us],
# CALIBRATION_LOOPS [LOOPS], TRACE_LOOPS, JOBS [2 QEMUs at a time], RUN_TIMEOUT [seconds
# per run], CELLS [all 18, or comma-separated names; only their I/O paths are
# calibrated], SMP_CELL [1 without CELLS: the SMP cell too], CALIBRATE [1; 0 uses the
# last calibration runs again], CALIBRATION_RUN_TIMEOUT [2 x RUN_TIMEOUT],
# RESERVATION_ONLY [0; 1 stops after step 2], GANTT [1:
# draw the Gantt charts], QEMU [qemu-system-arm], NATIVE_START, CALIBRATION_NATIVE_START,
# RT_START, CALIBRATION_RT_START [below].
set -u -o pipefail

BUILD=${BUILD:-build}
APUS_TOOL=${APUS_TOOL:-$(swift build --show-bin-path)/apus}
LOOPS=${LOOPS:-4000}
INTERVAL=${INTERVAL:-1130}
CALIBRATION_LOOPS=${CALIBRATION_LOOPS:-$LOOPS}
TRACE_LOOPS=${TRACE_LOOPS:-2000}
JOBS=${JOBS:-2}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
GANTT=${GANTT:-1}
QEMU=${QEMU:-qemu-system-arm}
MAKE=${MAKE:-make}
TEMPLATE=Tests/Experiment/cell-template.dts
OUT=${EXPERIMENT_OUT:-$BUILD/experiment}
# The calibration's reservation for the RT VM (PERIOD:SLICE us): most of what the other
# VMs leave (the template's comment says their reservations).
CALIBRATION_SEDF=${CALIBRATION_SEDF:-1000:600}
# When cyclictest and the RT Linux's reader begin (s of its uptime, apus.start): in the
# cells once the GP Linux's load runs (it starts at about 3-4 s of the RT Linux's uptime;
# the report fails a loaded cell whose load began later, ExperimentRun); in the calibration
# runs after the GP Linux has booted (on slack beside the calibration's large reservation
# it is up at about 7 s of the RT Linux's uptime).
RT_START=${RT_START:-5}
CALIBRATION_RT_START=${CALIBRATION_RT_START:-9}
# The native RT guest's jobs: from NATIVE_START ms after boot, for half of cyclictest's
# run, so that they run beside cyclictest and report before it ends the run. The RT Linux's
# uptime runs behind the hypervisor's clock by its kernel's decompression and boot on a
# shared CPU: about 2.3 s under SEDF, 4 s under credit.
NATIVE_START=${NATIVE_START:-$(( RT_START * 1000 + 4000 ))}
# ... and in the calibration runs: never (the longest start the guest takes, 2.8 hours),
# so that nothing outside the RT VM delays its wake-ups there (docs/EXPERIMENT.md).
CALIBRATION_NATIVE_START=${CALIBRATION_NATIVE_START:-10000000}
# The passthrough calibration is the longest run (its reader, alone with the CPU, makes QEMU
# emulate about 80 000 reads): 240-270 s, 560 s on a loaded machine.
CALIBRATION_RUN_TIMEOUT=${CALIBRATION_RUN_TIMEOUT:-$(( 2 * RUN_TIMEOUT ))}
# The gantt charts' cell (all VMs busy), where their trace rings start recording (ms after
# boot: both Linux VMs are up, cyclictest and the native RT guest's jobs run) and the window
# drawn (ns from the first switch recorded).
GANTT_LOAD=cpu+io
GANTT_IO=split
GANTT_TRACE_FROM_MS=${GANTT_TRACE_FROM_MS:-$(( NATIVE_START + 300 ))}
GANTT_WINDOW_NS=30000000

START=$(date +%s)
say() { echo "experiment: $*"; }
die() { echo "experiment: $*" >&2; exit 1; }

[ -x "$APUS_TOOL" ] || die "no apus tool at $APUS_TOOL (make apus-tool)"
[ -f "$TEMPLATE" ] || die "no template $TEMPLATE"
# What the template says about the machine: its RAM and where the large-image pack goes.
RAM_MB=$(sed -n 's/.*experiment: RAM_MB=\([0-9]*\).*/\1/p' "$TEMPLATE" | head -1)
LARGE_IMAGES=$(sed -n 's/.*large-images *= *< *\(0x[0-9a-fA-F]*\).*/\1/p' "$TEMPLATE" | head -1)
[ -n "$RAM_MB" ] && [ -n "$LARGE_IMAGES" ] || die "$TEMPLATE must say 'experiment: RAM_MB=N' and have large-images"
mkdir -p "$OUT/cells" "$OUT/runs" "$OUT/calibration" "$OUT/histograms" "$OUT/gantt"
OUT=$(realpath "$OUT")

# write_cell NAME DIR SEDF WEIGHT LOOPS [apus experiment cell options...]: DIR/NAME.dts from the template
# (a later --set NAME=VALUE replaces an earlier one).
write_cell() {
  local name=$1 dir=$2 sedf=$3 weight=$4 loops=$5; shift 5
  "$APUS_TOOL" experiment cell "$name" --template "$TEMPLATE" --sedf "$sedf" --weight "$weight" \
    --set "LOOPS=$loops" --set "INTERVAL=$INTERVAL" --set "NATIVE_START=$NATIVE_START" --set "RT_START=$RT_START" \
    --set "NATIVE_DURATION=$(( loops * INTERVAL / 2 / 1000 ))" "$@" -o "$dir/$name.dts"
}

# build_systems BUILD-DIR CELLS-DIR SYSTEMS-DIR [make options...] NAMES...: make the
# cells' images (SYSTEMS-DIR/NAME.elf).
build_systems() {
  local build=$1 cells=$2 systems=$3; shift 3
  local options=() targets=()
  while [ $# -gt 0 ] && [[ $1 == *=* ]]; do options+=("$1"); shift; done
  for name in "$@"; do targets+=("$systems/$name.elf"); done
  $MAKE --no-print-directory BUILD="$build" EXPERIMENT_CELLS="$cells" EXPERIMENT_SYSTEMS="$systems" RAM_MB="$RAM_MB" \
    APUS_TOOL="$APUS_TOOL" LINUX_DIR="$(realpath "$BUILD")/linux" "${options[@]}" "${targets[@]}" \
    > "$OUT/make.log" 2>&1 || { tail -30 "$OUT/make.log" >&2; die "building ${targets[*]} failed (whole log: $OUT/make.log)"; }
}

# A Linux VM's oops or panic on the console (the markers LinuxTests looks for): the run
# is stopped a few seconds later (the trace printed) rather than left to its timeout, as a
# kernel that oopsed with interrupts off never powers off.
OOPS_MARKERS='^\[[a-z-]*linux\] .*(Kernel panic|Internal error: Oops|Unable to handle kernel|BUG: |kernel BUG at)'
OOPS_STATUS=125

# run_system ELF LOG-BASE: one boot with fresh 16 MiB disks (the driver domain's first,
# the RT VM's passthrough disk second); LOG-BASE.log is the console, LOG-BASE.status
# QEMU's exit status (124: stopped by RUN_TIMEOUT; 125: stopped after a Linux oops).
run_system() {
  local elf=$1 base=$2
  local pack; pack="$(dirname "$elf")/$(basename "$elf" .elf)/large-images.pack"
  rm -f "$base.split.img" "$base.direct.img" "$base.status"
  truncate -s 16M "$base.split.img" "$base.direct.img"
  local began; began=$(date +%s)
  local cpus; cpus=$("$APUS_TOOL" check "${pack%/large-images.pack}/config.dtb" --print-cpus) || cpus=1
  timeout "$RUN_TIMEOUT" "$QEMU" -M vexpress-a15,virtualization=on -cpu cortex-a15 -smp "$cpus" -m "${RAM_MB}M" \
    -display none -monitor none -serial stdio -audiodev none,id=none -global pl041.audiodev=none \
    -semihosting-config enable=on,target=native,chardev=semihosting -chardev file,id=semihosting,path="$base.semihosting" \
    -icount shift=0,sleep=off \
    -drive if=none,id=split,format=raw,file="$base.split.img" -device virtio-blk-device,drive=split \
    -drive if=none,id=direct,format=raw,file="$base.direct.img" -device virtio-blk-device,drive=direct \
    -device loader,file="$pack",addr="$LARGE_IMAGES",force-raw=on -kernel "$elf" \
    < /dev/null > "$base.log" 2> "$base.stderr" &
  local qemu=$! status=""
  while kill -0 $qemu 2>/dev/null; do
    if [ -f "$base.log" ] && tr -d '\r' < "$base.log" | grep -aqE "$OOPS_MARKERS"; then
      sleep 5; kill $qemu 2>/dev/null; wait $qemu; status=$OOPS_STATUS; break
    fi
    sleep 2
  done
  [ -n "$status" ] || { wait $qemu; status=$?; }
  echo $status > "$base.status"
  rm -f "$base.split.img" "$base.direct.img"
  local took=$(( $(date +%s) - began ))
  case $status in
    0|6) say "$(basename "$base"): finished in ${took} s, exit status $status" ;;
    124) say "$(basename "$base"): FAILED: not finished within RUN_TIMEOUT=${RUN_TIMEOUT} s, stopped (console: $base.log)" ;;
    $OOPS_STATUS) say "$(basename "$base"): FAILED: a Linux VM oopsed after ${took} s, stopped (console: $base.log)" ;;
    *) say "$(basename "$base"): FAILED: QEMU exit status $status after ${took} s (console: $base.log)" ;;
  esac
}

# run_all ELF-DIR LOG-DIR NAMES...: JOBS boots at a time.
run_all() {
  local elves=$1 logs=$2; shift 2
  for name in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
    run_system "$elves/$name.elf" "$logs/$name" &
  done
  wait
}

# The cells, and the I/O paths they use (only those are calibrated).
if [ -n "${CELLS:-}" ]; then IFS=, read -r -a NAMES <<< "$CELLS"; else
  NAMES=()
  for scheduler in sedf credit-equal credit-weighted; do
    for load in idle cpu cpu+io; do for io in passthrough split; do NAMES+=("${scheduler}_${load}_${io}"); done; done
  done
fi
# --- The SMP cell (docs/EXPERIMENT.md, "The RT VM on its own CPU") ---
# The same VMs on two CPUs, the RT Linux alone on CPU 1 (the template's `cpus=2` block;
# QEMU's -smp comes from the cell's configuration). On by default for the whole matrix;
# with CELLS, SMP_CELL=1 adds it.
SMP_CELL=${SMP_CELL:-$([ -n "${CELLS:-}" ] && echo 0 || echo 1)}
SMP_CELL_NAME=sedf_cpu+io_passthrough_smp
[ "$SMP_CELL" = 1 ] && [[ " ${NAMES[*]} " != *" $SMP_CELL_NAME "* ]] && NAMES+=("$SMP_CELL_NAME")
# --- end of the SMP cell ---
PATHS=()
for io in passthrough split; do
  for name in "${NAMES[@]}"; do name=${name%_smp}; [ "${name##*_}" = "$io" ] && { PATHS+=("$io"); break; }; done
done
[ ${#PATHS[@]} -gt 0 ] || die "CELLS names no cell (scheduler_load_path, e.g. sedf_cpu_split)"

# 1. Calibration.
say "calibration: SEDF, GP Linux idle, RT VM reserving $CALIBRATION_SEDF us, $CALIBRATION_LOOPS loops every $INTERVAL us"
CALIBRATION_CELLS=()
for io in "${PATHS[@]}"; do
  name=sedf_idle_$io; CALIBRATION_CELLS+=("$name")
  write_cell "$name" "$OUT/calibration" "$CALIBRATION_SEDF" 256 "$CALIBRATION_LOOPS" \
    --set "NATIVE_START=$CALIBRATION_NATIVE_START" --set "RT_START=$CALIBRATION_RT_START" || die "cannot write $name"
done
if [ "${CALIBRATE:-1}" = 1 ]; then
  build_systems "$BUILD" "$OUT/calibration" "$OUT/calibration/systems" "${CALIBRATION_CELLS[@]}"
  RUN_TIMEOUT=$CALIBRATION_RUN_TIMEOUT run_all "$OUT/calibration/systems" "$OUT/calibration" "${CALIBRATION_CELLS[@]}"
else
  say "CALIBRATE=0: the calibration runs in $OUT/calibration are used again"
fi

# 2. Reservation, weight, bounds: a calibration whose RT VM waited during cyclictest is
# refused; the interface must fit beside the other VMs of the calibration cell (the
# template's reservations, Apus's own admission test).
CALIBRATIONS=()
for io in "${PATHS[@]}"; do CALIBRATIONS+=(--calibration "$io=$OUT/calibration/sedf_idle_$io.log"); done
"$APUS_TOOL" experiment reservation --interval "$INTERVAL" "${CALIBRATIONS[@]}" \
  --cell "$OUT/calibration/sedf_idle_${PATHS[0]}.dts" --ram-mb "$RAM_MB" > "$OUT/reservation.txt" \
  || die "no reservation from the calibration runs (consoles in $OUT/calibration)"
get() { sed -n "s/^$1=//p" "$OUT/reservation.txt"; }
PERIOD=$(get period); SLICE=$(get slice); WEIGHT=$(get weight)
BOUNDS=()
for io in "${PATHS[@]}"; do
  BOUNDS+=(--bound "$io=$(get bound_us_$io)")
  say "calibration $io: wake-up $(get wakeup_us_$io) us; the RT VM waited $(get steal_$io) (1/100 s) of cyclictest's run" \
    "(Linux's steal time), at most $(get rt_wait_us_$io) us at a time over the whole run, boot included (the hypervisor)"
done
say "RT VM: interface period $PERIOD us, budget $(get budget) us (analysis: $(get analysed_budget) us)," \
  "slice $SLICE us; credit weight $WEIGHT; wake-up $(get wakeup_us) us; bounds (us): ${BOUNDS[*]}"
[ "${RESERVATION_ONLY:-0}" = 1 ] && { say "RESERVATION_ONLY=1: stopped after the reservation ($OUT/reservation.txt)"; exit 0; }

# 3. The cells.
rm -f "$OUT"/cells/*.dts "$OUT"/runs/*
for name in "${NAMES[@]}"; do write_cell "$name" "$OUT/cells" "$PERIOD:$SLICE" "$WEIGHT" "$LOOPS" || die "cannot write $name"; done
build_systems "$BUILD" "$OUT/cells" "$OUT/systems" "${NAMES[@]}"
say "${#NAMES[@]} cells, $LOOPS loops every $INTERVAL us, $JOBS at a time"
MATRIX_START=$(date +%s)
run_all "$OUT/systems" "$OUT/runs" "${NAMES[@]}"
MATRIX_TOOK=$(( $(date +%s) - MATRIX_START ))

# 4. The report.
"$APUS_TOOL" experiment report "$OUT/runs" --loops "$LOOPS" --cells "$(IFS=,; echo "${NAMES[*]}")" \
  "${BOUNDS[@]}" \
  --json "$OUT/results.json" --svg-dir "$OUT/histograms" > "$OUT/table.txt" || die "the report failed"

# 5. Gantt charts from TRACE=1 builds (the trace ring's first 4096 records from
#    GANTT_TRACE_FROM_MS: a window during cyclictest).
if [ "$GANTT" = 1 ]; then
  mkdir -p "$OUT/trace-cells" "$OUT/trace-runs"
  TRACE_NAMES=()
  for scheduler in sedf credit-equal credit-weighted; do
    name="${scheduler}_${GANTT_LOAD}_${GANTT_IO}"; TRACE_NAMES+=("$name")
    write_cell "$name" "$OUT/trace-cells" "$PERIOD:$SLICE" "$WEIGHT" "$TRACE_LOOPS" --trace-from "$GANTT_TRACE_FROM_MS" \
      || die "cannot write $name"
  done
  build_systems "$OUT/trace-build" "$OUT/trace-cells" "$OUT/trace-systems" TRACE=1 "${TRACE_NAMES[@]}"
  run_all "$OUT/trace-systems" "$OUT/trace-runs" "${TRACE_NAMES[@]}"
  for name in "${TRACE_NAMES[@]}"; do
    log="$OUT/trace-runs/$name.log"; trace="$OUT/trace-runs/$name.trace"
    tr -d '\r' < "$log" | sed -n '/^--- apus-trace begin ---$/,/^--- apus-trace end ---$/p' | sed '1d;$d' > "$trace"
    first=$(awk '$1 == "switch" { print $2; exit }' "$trace")
    if [ -z "$first" ]; then say "$name: no trace in $log: no Gantt chart"; continue; fi
    "$APUS_TOOL" trace "$trace" --svg "$OUT/gantt/${name%%_*}.svg" --from "$first" --to $((first + GANTT_WINDOW_NS)) \
      > "$OUT/trace-runs/$name.summary" 2>&1 || say "$name: apus trace failed: $(tail -1 "$OUT/trace-runs/$name.summary")"
  done
fi

cat "$OUT/table.txt"
say "results: $OUT/results.json, histograms: $OUT/histograms/, Gantt charts: $OUT/gantt/, configurations: $OUT/cells/"
say "matrix: ${#NAMES[@]} cells in ${MATRIX_TOOK} s; whole experiment $(( $(date +%s) - START )) s wall"
! grep -q "failed" "$OUT/table.txt" || { say "some cells failed (status column)"; exit 1; }
