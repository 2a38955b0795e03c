#!/bin/bash
# Makes the Linux VM's disk (docs/LINUX.md): an ext4 filesystem over sectors
# FIRST..FIRST+SECTORS-1 of IMAGE (the VM's `disk` slice), holding apus.txt =
# "written by the host". IMAGE is created (sparse, SIZE_MB MiB) when missing;
# bytes outside the slice are left as they are.
#
#   Linux/make-disk.sh IMAGE FIRST SECTORS [SIZE_MB]
set -euo pipefail

IMAGE=$1 FIRST=$2 SECTORS=$3 SIZE_MB=${4:-16}
if ! command -v mkfs.ext4 >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "make-disk: installing e2fsprogs"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq e2fsprogs >/dev/null
  else
    echo "Missing mkfs.ext4. Run: sudo apt-get install -y e2fsprogs" >&2; exit 1
  fi
fi
[ -e "$IMAGE" ] || truncate -s "${SIZE_MB}M" "$IMAGE"
if [ $(( (FIRST + SECTORS) * 512 )) -gt "$(stat -c %s "$IMAGE")" ]; then
  echo "make-disk: sectors $FIRST..$((FIRST + SECTORS - 1)) do not fit $IMAGE" >&2; exit 1
fi
content=$(mktemp -d)
trap 'rm -rf "$content"' EXIT
printf 'written by the host\n' > "$content/apus.txt"
# -E offset: the filesystem starts at the slice; its size is the slice's, in KiB.
mkfs.ext4 -q -F -L apus -E offset=$((FIRST * 512)) -d "$content" "$IMAGE" "$((SECTORS / 2))k"
