# Sourced by Tests/Bench/trap-breakdown.sh and event-breakdown.sh: the symbol tables their
# awk programs read (with Tests/Bench/breakdown-symbols.awk), written into a folder.
# breakdown_symbols HYPERVISOR-ELF GUEST-ELF GUEST-MODULE FOLDER writes there:
#   starts      "mangled-name address" of every hypervisor function (QEMU's log names the
#               function each instruction is in; a call is an instruction at a start)
#   names       "mangled-name short-name" (demangled, module and signature dropped)
#   hypervisor  "address name" by address (assembly labels, which QEMU does not name)
#   guest       "address short-name" of the guest's symbols by address
# Short names have no spaces (awk splits the lines on them).
breakdown_symbols() {
  local elf=$1 guest_elf=$2 guest_module=$3 work=$4
  local nm=arm-none-eabi-nm
  local demangle=${DEMANGLE:-$(command -v swift-demangle || echo /opt/swift/usr/bin/swift-demangle)}
  $nm "$elf" | awk '$2 ~ /^[tTwW]$/ { print $3, $1 }' > "$work/starts"
  cut -d' ' -f1 "$work/starts" > "$work/mangled"
  "$demangle" --simplified < "$work/mangled" |
    sed -E 's/^specialized //; s/\(.*//; s/^static //; s/^Hypervisor(Core)?\.//; s/ /_/g' > "$work/short"
  paste -d' ' "$work/mangled" "$work/short" > "$work/names"
  $nm -n "$elf" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^[.$]/ { print $1, $3 }' > "$work/hypervisor"
  $nm -n "$guest_elf" | awk '$2 ~ /^[tTbBdDwW]$/ && $3 !~ /^\./ { print $1, $3 }' > "$work/guest-mangled"
  cut -d' ' -f2 "$work/guest-mangled" | "$demangle" --simplified |
    sed -E "s/^specialized //; s/^static //; s/\(.*//; s/^$guest_module\.//; s/^GuestRuntime\.//; s/ : .*//; s/ /_/g" |
    paste -d' ' <(cut -d' ' -f1 "$work/guest-mangled") - > "$work/guest"
}
