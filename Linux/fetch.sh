#!/bin/bash
# Fetches Debian's armhf kernels and busybox into $OUT (default build/linux)
# and builds the initramfs Apus boots them with (docs/LINUX.md).
#
#   build/linux/vmlinuz-armmp-lpae   the stock kernel (zImage)
#   build/linux/vmlinuz-rt-armmp     the PREEMPT_RT kernel (zImage)
#   build/linux/initramfs.cpio.gz    busybox-static + Linux/init (+ inittab, rcS, disk-bench, vda-check) + the
#                                    modules init loads (MODULES and what they depend on,
#                                    for each kernel, in /lib/modules/<release>) + rt-tests'
#                                    cyclictest with the dynamic loader and the libraries it links
#   build/linux/VERSIONS             the packages resolved (kernel ABI as Debian has it today)
#
# The metapackages are resolved to the current kernel ABI through apt; nothing
# is pinned. As root it adds the armhf architecture and updates apt's lists
# when it must; otherwise it prints the commands to run. Downloads are kept in
# $OUT/debs: nothing is fetched again while the outputs exist.
set -euo pipefail

OUT=${1:-build/linux}
HERE=$(cd "$(dirname "$0")" && pwd)
METAPACKAGES=(linux-image-armmp-lpae linux-image-rt-armmp)
FLAVOURS=(armmp-lpae rt-armmp)
# Modules Linux/init loads from the kernel's own package: Xen's block front
# end, and ext4 with the checksum driver its metadata checksums ask for; the
# virtio-mmio transport and virtio-blk for a passthrough disk (/dev/vda).
MODULES=(xen-blkfront ext4 crc32c_generic virtio_mmio virtio_blk)
# Programs from Debian's armhf userland the initramfs carries, with every
# shared library they link (read from their ELF headers): cyclictest for the
# latency measurement (docs/LINUX.md, "cyclictest").
USERLAND_PACKAGES=(rt-tests)
USERLAND_PROGRAMS=(usr/bin/cyclictest)
# Depends of those packages that no program above needs (rt-tests' Python
# scripts want python3; cyclictest does not).
USERLAND_SKIP=(python3)
# Libraries glibc opens at run time rather than links (libgcc_s for a thread's
# unwinding at pthread_exit or cancellation).
USERLAND_DLOPENED=(libgcc_s.so.1)
MULTIARCH=arm-linux-gnueabihf

mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)

need_setup() {
  ! dpkg --print-foreign-architectures | grep -qx armhf ||
  ! apt-cache show busybox-static:armhf >/dev/null 2>&1
}

ensure_armhf() {
  if need_setup; then
    if [ "$(id -u)" != 0 ]; then
      cat >&2 <<MSG
Fetching the Linux guest needs Debian's armhf packages. Run as root:
  dpkg --add-architecture armhf && apt-get update
then run make again (or: $0 $OUT).
MSG
      exit 1
    fi
    echo "fetch-linux: adding the armhf architecture and updating apt's lists"
    dpkg --add-architecture armhf
    apt-get update -qq
  fi
}

fetch_packages() {
  ensure_armhf
  cd "$OUT/debs"
  local wanted=(busybox-static:armhf)
  for meta in "${METAPACKAGES[@]}"; do
    # The metapackage depends on exactly one linux-image-<abi>-<flavour>.
    local image
    image=$(apt-cache depends "$meta:armhf" | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -1)
    [ -n "$image" ] || { echo "fetch-linux: cannot resolve $meta:armhf to a kernel package" >&2; exit 1; }
    wanted+=("$image:armhf")
  done
  rm -f ./*.deb
  echo "fetch-linux: apt-get download ${wanted[*]}"
  apt-get download "${wanted[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
  for w in "${wanted[@]}"; do
    ls "${w%%:*}"_*_armhf.deb >/dev/null 2>&1 || { echo "fetch-linux: $w was not downloaded" >&2; exit 1; }
  done
  printf '%s\n' "${wanted[@]}" > "$OUT/VERSIONS.tmp"
  for deb in ./*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' ' >> "$OUT/VERSIONS.tmp"; done
  mv "$OUT/VERSIONS.tmp" "$OUT/VERSIONS"
}

# The names of the packages $1 depends on (armhf), without USERLAND_SKIP.
package_depends() {
  apt-cache depends "$1:armhf" | sed -n 's/^ *Depends: \([^:<> ]*\).*/\1/p' | while read -r name; do
    [[ " ${USERLAND_SKIP[*]} " == *" $name "* ]] || echo "$name"
  done
}

# Downloads USERLAND_PACKAGES and, transitively, the packages they depend on
# (libc6, libnuma1, libgcc-s1, ...), as apt resolves them today, into
# $OUT/debs/userland; appends them to VERSIONS.
fetch_userland() {
  local wanted=() queue=("${USERLAND_PACKAGES[@]}") name
  while [ ${#queue[@]} -gt 0 ]; do
    name=${queue[0]}; queue=("${queue[@]:1}")
    [[ " ${wanted[*]} " == *" $name "* ]] && continue
    wanted+=("$name")
    mapfile -t -O ${#queue[@]} queue < <(package_depends "$name")
  done
  mkdir -p "$OUT/debs/userland"; cd "$OUT/debs/userland"
  rm -f ./*.deb
  echo "fetch-linux: apt-get download ${wanted[*]/%/:armhf}"
  apt-get download "${wanted[@]/%/:armhf}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
  for w in "${wanted[@]}"; do
    ls "${w}"_*_armhf.deb >/dev/null 2>&1 || { echo "fetch-linux: $w:armhf was not downloaded" >&2; exit 1; }
  done
  grep -v -E "^Package: ($(IFS='|'; echo "${wanted[*]}")) " "$OUT/VERSIONS" > "$OUT/VERSIONS.tmp" || true
  for deb in ./*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' ' >> "$OUT/VERSIONS.tmp"; done
  mv "$OUT/VERSIONS.tmp" "$OUT/VERSIONS"
  cd - >/dev/null
}

extract_kernels() {
  for flavour in "${FLAVOURS[@]}"; do
    local deb
    deb=$(ls "$OUT"/debs/linux-image-[0-9]*-"$flavour"_*_armhf.deb | head -1)
    local tree="$OUT/tree-$flavour"
    rm -rf "$tree"; mkdir -p "$tree"
    dpkg-deb -x "$deb" "$tree"
    cp "$tree"/boot/vmlinuz-* "$OUT/vmlinuz-$flavour"
    # Modules stay here for the initramfs (none are needed to reach the shell:
    # hvc_xen and the event channels are built in).
  done
}

require_host_tools() {
  local missing=""
  command -v cpio >/dev/null || missing="$missing cpio"
  command -v gzip >/dev/null || missing="$missing gzip"
  command -v strings >/dev/null && command -v readelf >/dev/null || missing="$missing binutils"
  [ -z "$missing" ] && return
  if [ "$(id -u)" = 0 ]; then
    echo "fetch-linux: installing$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "Missing tools. Run: sudo apt-get install -y$missing" >&2; exit 1
  fi
}

# Copies module $1 of the kernel tree $2 into $3 after every module it depends
# on (the depends= of its .modinfo), and appends its file name to $3/load-order.
add_module() {
  local name=$1 tree=$2 into=$3 ko
  grep -qx "$name.ko" "$into/load-order" 2>/dev/null && return
  ko=$(find "$tree/lib/modules" \( -name "$name.ko" -o -name "${name//_/-}.ko" \) | head -1)
  [ -n "$ko" ] || { echo "fetch-linux: module $name is not in $tree" >&2; exit 1; }
  local depends
  depends=$(strings -a "$ko" | sed -n 's/^depends=//p' | head -1)
  for dependency in ${depends//,/ }; do add_module "$dependency" "$tree" "$into"; done
  grep -qx "$(basename "$ko")" "$into/load-order" 2>/dev/null && return
  cp "$ko" "$into/"
  basename "$ko" >> "$into/load-order"
}

# Copies the shared library $1 (a soname) from the unpacked userland $2 into
# $3/lib/$MULTIARCH, after every library it needs (its DT_NEEDED entries).
add_library() {
  local soname=$1 tree=$2 root=$3 file
  [ -e "$root/lib/$MULTIARCH/$soname" ] && return
  file=""
  for candidate in "$tree/lib/$MULTIARCH/$soname" "$tree/usr/lib/$MULTIARCH/$soname"; do
    [ -e "$candidate" ] && { file=$candidate; break; }
  done
  [ -n "$file" ] || { echo "fetch-linux: library $soname is in none of: ${USERLAND_PACKAGES[*]} and their Depends" >&2; exit 1; }
  cp -L "$file" "$root/lib/$MULTIARCH/$soname"
  for needed in $(elf_needed "$file"); do add_library "$needed" "$tree" "$root"; done
}

elf_needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# Puts USERLAND_PROGRAMS into the initramfs $1 with their dynamic loader and
# libraries (no ld.so.cache: the loader searches /lib/$MULTIARCH itself).
add_userland() {
  local root=$1 tree="$OUT/userland-tree" deb program interpreter
  rm -rf "$tree"; mkdir -p "$tree"
  for deb in "$OUT"/debs/userland/*.deb; do dpkg-deb -x "$deb" "$tree"; done
  mkdir -p "$root/lib/$MULTIARCH"
  for program in "${USERLAND_PROGRAMS[@]}"; do
    install -m 755 "$tree/$program" "$root/$program"
    interpreter=$(readelf -l "$tree/$program" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    add_library "$(basename "$interpreter")" "$tree" "$root"
    [ -e "$root$interpreter" ] || ln -s "$MULTIARCH/$(basename "$interpreter")" "$root$interpreter"
    for needed in $(elf_needed "$tree/$program"); do add_library "$needed" "$tree" "$root"; done
  done
  for library in "${USERLAND_DLOPENED[@]}"; do add_library "$library" "$tree" "$root"; done
  rm -rf "$tree"
}

build_initramfs() {
  require_host_tools
  local root="$OUT/initramfs-root"
  rm -rf "$root"; mkdir -p "$root"/{bin,sbin,etc/init.d,proc,sys,dev,tmp,root,mnt,usr/bin,usr/sbin}
  for flavour in "${FLAVOURS[@]}"; do
    local release
    release=$(ls "$OUT/tree-$flavour/lib/modules")
    mkdir -p "$root/lib/modules/$release"
    for module in "${MODULES[@]}"; do add_module "$module" "$OUT/tree-$flavour" "$root/lib/modules/$release"; done
  done
  dpkg-deb -x "$(ls "$OUT"/debs/busybox-static_*_armhf.deb | head -1)" "$OUT/busybox-pkg"
  cp "$OUT/busybox-pkg/bin/busybox" "$root/bin/busybox"
  rm -rf "$OUT/busybox-pkg"
  add_userland "$root"
  install -m 755 "$HERE/init" "$root/init"
  install -m 755 "$HERE/disk-bench" "$root/bin/disk-bench"
  install -m 755 "$HERE/disk-load" "$root/bin/disk-load"
  install -m 755 "$HERE/cyclictest-run" "$root/bin/cyclictest-run"
  install -m 755 "$HERE/vda-check" "$root/bin/vda-check"
  install -m 644 "$HERE/inittab" "$root/etc/inittab"
  install -m 755 "$HERE/rcS" "$root/etc/init.d/rcS"
  # The device nodes the kernel needs before devtmpfs is mounted (it opens
  # /dev/console for init's standard streams): cpio records them as nodes.
  if [ "$(id -u)" = 0 ]; then
    mknod -m 600 "$root/dev/console" c 5 1
    mknod -m 666 "$root/dev/null" c 1 3
  fi
  ( cd "$root" && for applet in sh ash ls cat echo mount umount uname poweroff reboot halt init \
      mkdir ps top dmesg sleep grep head tail free uptime setsid cttyhack; do
      ln -sf /bin/busybox "bin/$applet"; done
    ln -sf /bin/busybox sbin/init )
  ( cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0 ) | gzip -9n > "$OUT/initramfs.cpio.gz"
}

if [ ! -s "$OUT/vmlinuz-armmp-lpae" ] || [ ! -s "$OUT/vmlinuz-rt-armmp" ] || ! ls "$OUT"/debs/busybox-static_*.deb >/dev/null 2>&1; then
  fetch_packages
  extract_kernels
  rm -rf "$OUT/debs/userland"
fi
if ! ls "$OUT"/debs/userland/rt-tests_*.deb >/dev/null 2>&1; then
  ensure_armhf
  fetch_userland
fi
build_initramfs
echo "fetch-linux: $(cat "$OUT/VERSIONS" | tail -n +4 | paste -sd';')"
ls -l "$OUT"/vmlinuz-* "$OUT/initramfs.cpio.gz" | awk '{print "  " $5 " " $9}'
