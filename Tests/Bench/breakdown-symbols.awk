# Shared by Tests/Bench/trap-breakdown.sh and event-breakdown.sh (awk -f this -f the script's
# program): the symbol tables of breakdown-symbols.sh, looked up by address, and the call
# stack of the HYP instructions a per-instruction log shows. The program passes the tables'
# paths as -v starts=, names=, guest=, hypervisor= and calls loadSymbols() in its BEGIN.
function loadSymbols(    line, f) {
  while ((getline line < starts) > 0) { split(line, f, " "); start[f[1]] = f[2] "" }
  while ((getline line < names) > 0) { split(line, f, " "); short[f[1]] = f[2] }
  while ((getline line < guest) > 0) { split(line, f, " "); gn++; gaddr[gn] = f[1] ""; gname[gn] = f[2] }
  while ((getline line < hypervisor) > 0) { split(line, f, " "); hn++; haddr[hn] = f[1] ""; hname[hn] = f[2] }
}
# Addresses are 8 lowercase hex digits: string order is numeric order.
function guestSymbol(pc,    lo, hi, mid) {
  lo = 1; hi = gn
  if (gn == 0 || pc < gaddr[1]) return "?"
  while (lo < hi) { mid = int((lo + hi + 1) / 2); if (gaddr[mid] <= pc) lo = mid; else hi = mid - 1 }
  return gname[lo]
}
# QEMU names only typed functions; assembly labels are found by address.
function hypervisorSymbol(pc,    lo, hi, mid) {
  lo = 1; hi = hn
  if (hn == 0 || pc < haddr[1]) return "?"
  while (lo < hi) { mid = int((lo + hi + 1) / 2); if (haddr[mid] <= pc) lo = mid; else hi = mid - 1 }
  return hname[lo]
}
function nameOf(sym) { return (sym in short) ? short[sym] : sym }
# One HYP instruction at pc in function sym: a call (pc at a function's start) pushes,
# anything else in a function already on the stack pops back to it (stack[1..depth]).
function track(pc, sym,    i, found) {
  if (depth == 0 || stack[depth] != sym) {
    if ((sym in start) && start[sym] == pc) { stack[++depth] = sym }
    else {
      found = 0
      for (i = depth; i >= 1; i--) if (stack[i] == sym) { found = i; break }
      if (found) depth = found; else { depth = 1; stack[1] = sym }
    }
  }
}
