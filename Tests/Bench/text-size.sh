#!/usr/bin/env bash
# The hypervisor image's code by where it comes from, and its ten largest
# functions (docs/BENCHMARKS.md, "Text size"). A number to watch, not a test.
#
#   Tests/Bench/text-size.sh build/apus.elf <the objects it was linked from>
#
# Every byte of .text belongs to the symbol at or below it (a function, an
# assembler label), up to the next symbol: padding and literal pools count
# with the code before them. Swift symbols are sorted by the module in their
# mangled name (`$e14HypervisorCore...`; the Embedded stdlib is `$es`/`$eS`),
# so a core generic specialised in the shell counts as HypervisorCore. Other
# symbols (`@c` functions, assembler labels, C) by the object that defines
# them; what none of the objects define came from libgcc.
set -euo pipefail

NM=${NM:-arm-none-eabi-nm}
READELF=${READELF:-arm-none-eabi-readelf}
DEMANGLE=${DEMANGLE:-swift-demangle}

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 ELF [OBJECT...]  (the ELF does not exist: build it first)" >&2
    exit 2
fi
elf=$1
shift

# object -> group, for the symbols Swift did not mangle.
owners=$(mktemp)
trap 'rm -f "$owners" "$owners.out"' EXIT
for object in "$@"; do
    case "$object" in
        */boot/*) group="Boot (assembler)" ;;
        */runtime.o) group="runtime.c (C runtime support)" ;;
        */hypervisor.o) group="Hypervisor shell (Swift)" ;;
        */core.o) group="HypervisorCore (Swift)" ;;
        */rings.o) group="XenRings (Swift)" ;;
        *) group="other objects" ;;
    esac
    "$NM" --defined-only "$object" 2>/dev/null | awk -v g="$group" 'NF == 3 { print $3 "\t" g }'
done > "$owners"

# .text's start and size (hex) from the section table.
read -r text_start text_size < <("$READELF" -SW "$elf" | awk '$2 == ".text" { print $4, $6 } $3 == ".text" { print $5, $7 }' | head -1)

"$NM" -n --defined-only "$elf" | awk -v owners="$owners" -v start="0x$text_start" -v size="0x$text_size" '
    function hex(s,   n, i, c) { n = 0; s = tolower(s); sub(/^0x/, "", s)
        for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; n = n * 16 + c }
        return n }
    function group(name) {
        if (name ~ /^\$e14HypervisorCore/) return "HypervisorCore (Swift)"
        if (name ~ /^\$e10Hypervisor/) return "Hypervisor shell (Swift)"
        if (name ~ /^\$e8XenRings/) return "XenRings (Swift)"
        if (name ~ /^\$e[sS]/) return "Embedded Swift stdlib"
        if (name ~ /^\$e/) return "other Swift modules"
        if (name in owner) return owner[name]
        return "libgcc"
    }
    BEGIN {
        while ((getline line < owners) > 0) { split(line, f, "\t"); owner[f[1]] = f[2] }
        first = hex(start); end = first + hex(size)
    }
    $2 ~ /^[tTwW]$/ {
        a = hex($1); if (a % 2 == 1) a -= 1   # Thumb bit
        if (a < first || a >= end) next
        if (a == last && n > 0) next          # aliases: the first name counts
        n++; addr[n] = a; name[n] = $3; last = a
    }
    END {
        for (i = 1; i <= n; i++) {
            stop = (i < n) ? addr[i + 1] : end
            bytes = stop - addr[i]
            g = group(name[i]); total[g] += bytes; all += bytes
            printf "F\t%d\t%s\n", bytes, name[i]
        }
        if (n > 0 && addr[1] > first) { total["(before the first symbol)"] += addr[1] - first; all += addr[1] - first }
        for (g in total) printf "G\t%d\t%s\n", total[g], g
        printf "T\t%d\n", all
    }' > "$owners.out"

total=$(awk -F'\t' '$1 == "T" { print $2 }' "$owners.out")
echo "hypervisor text ($elf): $total bytes ($(( (total + 1023) / 1024 )) KiB)"
printf '%-32s %9s %6s\n' "from" "bytes" "share"
awk -F'\t' -v total="$total" '$1 == "G" { printf "%d\t%-32s %9d %5.1f%%\n", $2, $3, $2, 100 * $2 / total }' "$owners.out" | sort -rn | cut -f2-
echo
echo "ten largest functions (bytes, up to the next symbol):"
awk -F'\t' '$1 == "F" { print $2 "\t" $3 }' "$owners.out" | sort -rn | head -10 | while IFS=$'\t' read -r bytes symbol; do
    readable=$(printf '%s\n' "$symbol" | "$DEMANGLE" --simplified 2>/dev/null || printf '%s\n' "$symbol")
    [ ${#readable} -gt 110 ] && readable="${readable:0:107}..."
    printf '%7d  %s\n' "$bytes" "$readable"
done
