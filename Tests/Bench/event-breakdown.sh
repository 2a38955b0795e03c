#!/usr/bin/env bash
# Where one event notification's instructions go (docs/BENCHMARKS.md, "Seventh
# round"): boots $BUILD/systems/events.elf (Configs/events.dts) under -icount
# shift=0,sleep=off with QEMU's per-instruction log (-singlestep -d
# exec,nochain) streamed through a FIFO, as Tests/Bench/trap-breakdown.sh does,
# and counts every instruction of each notification the ping guests time: from
# the client's counter read for PingPage.sentAt, just before its EVTCHNOP_send,
# to the server's handler (portEvent) reading the counter. Guest instructions
# are charged to the guest function (client before the VCPU switch, server
# after), HYP instructions per window (vector entry to ERET: W1 the send's,
# W2 the next) to the function the trap dispatcher apus_trap called (one or two
# levels deeper under Scheduling.decideAndResume and the hypercall handlers),
# callees included. Notifications are grouped by their windows; then, for the
# usual two-window shape (the woken server does not preempt the sender, which
# blocks in WFI next), each function's own instructions per window.
# PROFILE=<awk regex> also prints per-address counts for the functions it names.
#
# Environment: BUILD (default build), PROFILE, TIMEOUT (seconds, default 900).
# Takes a few minutes (about 10 million instructions are logged).
set -u -o pipefail
HERE=$(dirname "$0")
source "$HERE/breakdown-symbols.sh"

BUILD=${BUILD:-build}
TIMEOUT=${TIMEOUT:-900}
ELF="$BUILD/systems/events.elf"
GUEST_ELF=$BUILD/guests/ping.elf
NM=arm-none-eabi-nm
for file in "$ELF" "$GUEST_ELF"; do
  [ -f "$file" ] || { echo "event-breakdown: $file is missing: run make first" >&2; exit 1; }
done
# START: the client's CNTVCT read (mrrc p15, 1, ..., c14) whose value goes to
# PingPage.sentAt (word 3 of the granted page at 0x30000000); END: the first
# CNTVCT read in portEvent.
START=$(arm-none-eabi-objdump -d "$GUEST_ELF" | awk '/mrrc\t15, 1, .*cr14/ { m = $1; n = 0; next }
  m != "" { n++; if ($0 ~ /@ 0x3000000c/) { sub(":", "", m); print m; m = "" } else if (n >= 3) m = "" }')
PORT_EVENT=$($NM "$GUEST_ELF" | awk '$3 ~ /GuestPing9portEventyys6UInt32VF$/ { print $1 }')
END=$(arm-none-eabi-objdump -d --start-address=0x${PORT_EVENT:-0} "$GUEST_ELF" 2>/dev/null | awk '/mrrc\t15, 1, .*cr14/ { sub(":", "", $1); print $1; exit }')
[ "$(wc -w <<<"$START")" = 1 ] && [ -n "$END" ] ||
  { echo "event-breakdown: cannot find the client's sentAt counter read or portEvent's in $GUEST_ELF" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/apus-event-breakdown.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
mkfifo "$WORK/log"
breakdown_symbols "$ELF" "$GUEST_ELF" GuestPing "$WORK"
timeout "$TIMEOUT" qemu-system-arm -M vexpress-a15,virtualization=on -cpu cortex-a15 -m 256M \
  -nographic -audiodev none,id=none -global pl041.audiodev=none -semihosting \
  -icount shift=0,sleep=off -singlestep -d exec,nochain -D "$WORK/log" -kernel "$ELF" \
  </dev/null >"$WORK/console" 2>&1 &
cat > "$WORK/program.awk" <<'AWK'
BEGIN {
  loadSymbols()
}
function hyp(pc, sym,    i, found, top) {
  if (!inWindow) { inWindow = 1; depth = 0; windows++; wkind = wkind (wkind == "" ? "" : ",") lastGuest }
  track(pc, sym)
  top = nameOf(stack[1])
  for (i = 1; i <= depth; i++) {
    if (nameOf(stack[i]) == "apus_trap") {
      top = (i < depth) ? nameOf(stack[i + 1]) : "apus_trap(inline)"
      if (i + 1 < depth && nameOf(stack[i + 1]) ~ /^Scheduling\.(resume|decideAndResume)$/) top = nameOf(stack[i + 1]) ">" nameOf(stack[i + 2])
      if (i + 2 < depth && nameOf(stack[i + 1]) ~ /eventChannelOp|handle/) top = nameOf(stack[i + 1]) ">" nameOf(stack[i + 2])
      break
    }
  }
  if (top ~ /^(hyp_vectors|vector_|trap_common)/) top = "vectors.S"
  if (nameOf(sym) ~ /switchVCPU/) switched = 1
  add("W" windows " HYP " top)
  own["W" windows " " top " :: " nameOf(sym)]++
  hypTotal++
  if (P != "" && nameOf(sym) ~ P) prof[nameOf(sym) " " pc]++
}
function add(k) { if (!(k in cat)) order = order SUBSEP k; cat[k]++ }
function step(line,    f, pc, flags, sym, g) {
  split(line, f, /[\[\]\/ ]+/)
  pc = f[5] ""; flags = f[6] ""
  sym = (NF >= 5) ? $NF : ""
  if (!active) {
    if (flags != "00000060" && pc == S) { active = 1; windows = 0; switched = 0; wkind = ""; delete cat; order = ""; hypTotal = 0; total = 0; lastGuest = "start" }
    return
  }
  total++
  if (flags == "00000060") { hyp(pc, sym == "" ? hypervisorSymbol(pc) : sym); return }
  inWindow = 0
  g = guestSymbol(pc); lastGuest = g
  add((switched ? "server " : "client ") g)
  if (pc == E && switched) { finish() }
}
function finish(    n, parts, i, key) {
  active = 0; samples++
  key = "windows=" windows " [" wkind "]"
  shapes[key]++; shapeTotal[key] += total
  n = split(substr(order, 2), parts, SUBSEP)
  for (i = 1; i <= n; i++) { if (!((key, parts[i]) in sc)) sorder[key] = sorder[key] SUBSEP parts[i]; sc[key, parts[i]] += cat[parts[i]] }
  if (windows == 2) { two++; for (fn in own) { ownAll[fn] += own[fn] } } ; delete own
  grand += total
}
/^Trace/ { current = $0; if (pending != "") { $0 = pending; step(pending) } pending = current; next }
/rewound execution/ { pending = ""; next }
END {
  if (pending != "") step(pending)
  printf "samples %d, mean instructions %.1f\n", samples, grand / samples
  for (key in shapes) {
    printf "\n== %s  n=%d mean=%.1f\n", key, shapes[key], shapeTotal[key] / shapes[key]
    n = split(substr(sorder[key], 2), parts, SUBSEP)
    for (i = 1; i <= n; i++) printf "  %8.1f  %s\n", sc[key, parts[i]] / shapes[key], parts[i]
  }
  if (P != "") { printf "\n== profile\n"; for (k in prof) printf "%8.1f  %s\n", prof[k] / samples, k | "sort -k3,3" ; close("sort -k3,3") }
  printf "\n== HYP own instructions per function, per sample of the 2-window shape (n=%d)\n", two
  for (fn in ownAll) printf "%8.1f  %s\n", ownAll[fn] / two, fn | "sort -k2,3 -k1,1rn"
}
AWK
awk -v P="${PROFILE:-}" -v S="$START" -v E="$END" -v starts="$WORK/starts" -v names="$WORK/names" -v guest="$WORK/guest" -v hypervisor="$WORK/hypervisor" -f "$HERE/breakdown-symbols.awk" -f "$WORK/program.awk" "$WORK/log"
wait
grep -E 'BENCH' "$WORK/console" | tr -d '\r'
