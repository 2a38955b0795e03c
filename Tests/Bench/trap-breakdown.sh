#!/usr/bin/env bash
# Where a trap's instructions go (docs/BENCHMARKS.md, "Trap path breakdown").
# Boots a bench system ($BUILD/systems/bench-sedf.elf unless SYSTEM names
# another) under -icount shift=0,sleep=off with QEMU's per-instruction
# execution log (-singlestep -d exec,nochain) streamed through a FIFO, and
# counts, for every stretch of HYP-mode instructions between two guest
# instructions (one "window": vector entry to ERET), the instructions spent
# in each function that the trap dispatcher apus_trap calls (one level
# deeper under Scheduling.decideAndResume), callees included; what is
# inlined into apus_trap counts as apus_trap. Counted, not
# estimated: one log line is one executed instruction (a line QEMU rewinds
# for an I/O access is dropped).
#
# Windows are grouped by the guest function whose instruction trapped, the
# exception vector and the exact per-phase counts; groups seen at least
# MIN_COUNT times (default 100) are printed, most frequent first. The bench
# guest's routines name the measurements: hypercallCode (null hypercall),
# trappedReadCode (trap and emulate), yieldLoopCode (VM switch), spinCode
# (an interrupt while the VCPU spins: vtimer or device IRQ).
#
# Environment: BUILD (default build), SYSTEM (default bench-sedf), GUEST_ELF (the
# guest whose functions name the windows, default $BUILD/guests/bench.elf), RAM_MB (256),
# QEMU (qemu-system-arm), MIN_COUNT (100), TIMEOUT (seconds, default 600).
# Takes a few minutes: QEMU logs every instruction of the run.
set -u -o pipefail
HERE=$(dirname "$0")
source "$HERE/breakdown-symbols.sh"

BUILD=${BUILD:-build}
SYSTEM=${SYSTEM:-bench-sedf}
RAM_MB=${RAM_MB:-256}
QEMU=${QEMU:-qemu-system-arm}
MIN_COUNT=${MIN_COUNT:-100}
TIMEOUT=${TIMEOUT:-600}
ELF="$BUILD/systems/$SYSTEM.elf"
GUEST_ELF=${GUEST_ELF:-$BUILD/guests/bench.elf}

for file in "$ELF" "$GUEST_ELF"; do
  [ -f "$file" ] || { echo "trap-breakdown: $file is missing: run make first" >&2; exit 1; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/apus-breakdown.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
mkfifo "$WORK/log"

# Function start addresses (QEMU names the function in each log line) and
# short readable names; guest symbols sorted by address for range lookup.
breakdown_symbols "$ELF" "$GUEST_ELF" GuestBench "$WORK"

timeout "$TIMEOUT" "$QEMU" -M vexpress-a15,virtualization=on -cpu cortex-a15 -m "${RAM_MB}M" \
  -nographic -audiodev none,id=none -global pl041.audiodev=none -semihosting \
  -icount shift=0,sleep=off -singlestep -d exec,nochain -D "$WORK/log" -kernel "$ELF" \
  </dev/null >"$WORK/console" 2>&1 &

cat > "$WORK/program.awk" <<'AWK'
BEGIN {
  loadSymbols()
  vectorNames[0] = "reset"; vectorNames[1] = "undefined"; vectorNames[2] = "svc"; vectorNames[3] = "prefetch"
  vectorNames[4] = "data"; vectorNames[5] = "hyp-trap"; vectorNames[6] = "irq"; vectorNames[7] = "fiq"
}
function hexDigit(c) { return index("0123456789abcdef", c) - 1 }
# Attributes one HYP instruction at pc in function sym: calls (pc at a
# function start) push, anything else in another function pops back to it.
function hyp(pc, sym,    i, found, phase) {
  if (!inWindow) {
    inWindow = 1; depth = 0; windowTotal = 0; delete counts; order = ""
    vector = vectorNames[int((hexDigit(substr(pc, 7, 1)) % 2 * 16 + hexDigit(substr(pc, 8, 1))) / 4)]
  }
  track(pc, sym)
  # The phase: the function apus_trap called (or under Scheduling.resume, the one it called).
  phase = nameOf(stack[1])
  for (i = 1; i <= depth; i++) {
    if (nameOf(stack[i]) == "apus_trap") {
      phase = (i < depth) ? nameOf(stack[i + 1]) : "apus_trap (dispatch, inlined handlers)"
      if (i + 1 < depth && nameOf(stack[i + 1]) ~ /^Scheduling\.(resume|decideAndResume)$/) phase = nameOf(stack[i + 1]) " > " nameOf(stack[i + 2])
      break
    }
  }
  if (phase ~ /^(hyp_vectors|vector_|trap_common)/) phase = "vectors.S (entry, frame, exit)"
  if (!(phase in counts)) order = order SUBSEP phase
  counts[phase]++; windowTotal++
}
function closeWindow(nextPC,    key, n, parts, i) {
  inWindow = 0
  key = guestSymbol(beforePC) " -> " vector " -> " guestSymbol(nextPC) ": " windowTotal " HYP instructions"
  n = split(substr(order, 2), parts, SUBSEP)
  for (i = 1; i <= n; i++) key = key "|" parts[i] "=" counts[parts[i]]
  groups[key]++
}
function step(line,    f, pc, flags, sym) {
  split(line, f, /[\[\]\/ ]+/)
  pc = f[5] ""; flags = f[6] ""
  sym = (NF >= 5) ? $NF : ""
  if (flags == "00000060") hyp(pc, sym == "" ? hypervisorSymbol(pc) : sym)
  else { if (inWindow) closeWindow(pc); beforePC = pc }
}
/^Trace/ { current = $0; if (pending != "") { $0 = pending; step(pending) } pending = current; next }
/rewound execution/ { pending = ""; next }
END {
  if (pending != "") step(pending)
  for (key in groups) if (groups[key] >= min) printf "%d\t%s\n", groups[key], key
}
AWK
awk -v min="$MIN_COUNT" -v starts="$WORK/starts" -v names="$WORK/names" -v guest="$WORK/guest" -v hypervisor="$WORK/hypervisor" -f "$HERE/breakdown-symbols.awk" -f "$WORK/program.awk" "$WORK/log" | sort -t$'\t' -k1,1nr | while IFS=$'\t' read -r n key; do
  IFS='|' read -ra parts <<<"$key"
  printf '%s  (n=%s)\n' "${parts[0]}" "$n"
  for part in "${parts[@]:1}"; do printf '    %6s  %s\n' "${part##*=}" "${part%=*}"; done
done
wait
grep -E 'BENCH guest (hypercall|trap|vm-switch|vtimer-busy|device-irq) ' "$WORK/console" | tr -d '\r' | sed 's/^/guest-measured: /'
