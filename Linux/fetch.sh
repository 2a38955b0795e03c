#!/bin/bash
# Fetches Debian's armhf kernels and busybox into $OUT (default build/linux)
# and builds the initramfs Apus boots them with (docs/LINUX.md).
#
#   build/linux/vmlinuz-armmp-lpae   the stock kernel (zImage)
#   build/linux/vmlinuz-rt-armmp     the PREEMPT_RT kernel (zImage)
#   build/linux/initramfs.cpio.gz    busybox-static + Linux/init (+ inittab, rcS, disk-bench, vda-check) + the
#                                    modules init loads (MODULES and what they depend on,
#                                    for each kernel, in /lib/modules/<release>)
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

mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)

need_setup() {
  ! dpkg --print-foreign-architectures | grep -qx armhf ||
  ! apt-cache show busybox-static:armhf >/dev/null 2>&1
}

fetch_packages() {
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
  command -v strings >/dev/null || missing="$missing binutils"
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
  install -m 755 "$HERE/init" "$root/init"
  install -m 755 "$HERE/disk-bench" "$root/bin/disk-bench"
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
fi
build_initramfs
echo "fetch-linux: $(cat "$OUT/VERSIONS" | tail -n +4 | paste -sd';')"
ls -l "$OUT"/vmlinuz-* "$OUT/initramfs.cpio.gz" | awk '{print "  " $5 " " $9}'
