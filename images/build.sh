#!/usr/bin/env bash
# Rebuild the wasmvirt guest images from Debian (bookworm) packages only:
#   kernel   Linux 6.1 (linux-source-6.1) for riscv64, tinyconfig + images/kernel.config, built with gcc-riscv64-linux-gnu
#   initrd   static busybox (Debian's busybox source package, its patches, defconfig + images/busybox.config)
#            + images/rootfs/ (init, power-button handler, benchmark), as a newc cpio made by the kernel's gen_init_cpio
#   disk     a small ext2 file system made by mke2fs -d from images/disk/
#   firmware OpenSBI fw_dynamic.bin from the opensbi package, unchanged
#   symbols  the kernel's System.map (index.json "symbols"), for debuggers: the image has no kallsyms
# The outputs are written gzip'd (gzip -9n) with images/index.json listing them; the same package versions give the same
# bytes (fixed build timestamps, user and host; sorted cpio with fixed mtimes; fixed UUID, hash seed and time for mke2fs).
#
# Usage: images/build.sh [--out DIR] [--work DIR] [--jobs N] [--no-deps]
#   --out   where the compressed outputs and index.json go (default: images/, i.e. update the committed files)
#   --work  build tree (default: build/images-work/ in the repository; about 1.5 GB; reused between runs)
#   --jobs  parallel make jobs (default 2)
#   --no-deps  do not run apt-get (the build dependencies must already be installed)
# Takes about 10-15 minutes on 2 cores, most of it the kernel.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$here
work=$repo/build/images-work
jobs=2
deps=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --work) work=$(mkdir -p "$2" && cd "$2" && pwd); shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --no-deps) deps=0; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

# Everything that could leak the build machine or the clock into the outputs is pinned here.
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01 00:00:00 UTC
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026"
export KBUILD_BUILD_USER=wasmvirt KBUILD_BUILD_HOST=wasmvirt KBUILD_BUILD_VERSION=1
export KCONFIG_NOTIMESTAMP=1
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C
umask 022

DISK_UUID=5741534d-5649-5254-6469-736b30303031 # "WASMVIRTdisk0001"
DISK_HASH_SEED=5741534d-5649-5254-6861-736873656564 # "WASMVIRThashseed"
DISK_SIZE=8M
CROSS=riscv64-linux-gnu-
OPENSBI_DIR=/usr/lib/riscv64-linux-gnu/opensbi/generic

t_start=$(date +%s)
step_no=0
step() { step_no=$((step_no + 1)); printf '\n==> [%d/7] %s  (+%ds)\n' "$step_no" "$*" $(( $(date +%s) - t_start )); }
# Long builds: keep the full log; show a line every 100 compiled files so progress is visible without flooding.
run_logged() { # log-file command...
  local log=$1; shift
  { "$@" 2>&1 || echo "build.sh: exit status $?"; } | tee "$log" | {
    n=0
    while IFS= read -r line; do
      case "$line" in
        "  CC "*|"  AS "*|"  LD "*|"  AR "*) n=$((n + 1)); [ $((n % 100)) != 0 ] || echo "    $n files, now ${line:10}" ;;
      esac
    done
    echo "    $n files"
  }
  if grep -q '^build.sh: exit status' "$log"; then
    echo "build.sh: failed, see $log" >&2; tail -30 "$log" >&2; exit 1
  fi
}

step "build dependencies"
build_deps=(linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross opensbi make gcc libc6-dev bc bison flex
  libssl-dev libelf-dev xz-utils bzip2 gzip e2fsprogs dpkg-dev)
if [ "$deps" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # busybox is built from its Debian source package: make sure apt knows deb-src for the configured suites.
  if ! apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -q '^Sources$'; then
    echo "    adding deb-src lines: /etc/apt/sources.list.d/wasmvirt-deb-src.sources"
    cat > /etc/apt/sources.list.d/wasmvirt-deb-src.sources <<'EOF'
# added by wasmvirt images/build.sh: source packages (busybox) for the guest build
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt-get update -qq
  fi
  missing=()
  for p in "${build_deps[@]}"; do dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "    apt-get install ${missing[*]}"
    apt-get update -qq
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
else
  echo "    not root or --no-deps: expecting ${build_deps[*]} to be installed"
fi
pkgver() { dpkg-query -W -f '${Version}' "$1"; }
for p in linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross opensbi gzip e2fsprogs; do
  printf '    %-26s %s\n' "$p" "$(pkgver "$p")"
done

mkdir -p "$work"
cd "$work"

step "sources: linux-source-6.1 and busybox (apt-get source)"
kver=$(pkgver linux-source-6.1)
if [ ! -f "linux/.wasmvirt-source-$kver" ]; then
  rm -rf linux linux-source-6.1
  echo "    unpacking /usr/src/linux-source-6.1.tar.xz"
  tar xJf /usr/src/linux-source-6.1.tar.xz
  mv linux-source-6.1 linux
  touch "linux/.wasmvirt-source-$kver"
fi
bbver=$(apt-cache showsrc busybox 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -V | tail -1)
[ -n "$bbver" ] || { echo "build.sh: apt-cache showsrc busybox found nothing; add deb-src lines (see above)" >&2; exit 1; }
if [ ! -f "busybox/.wasmvirt-source-$bbver" ]; then
  rm -rf busybox busybox-src
  mkdir busybox-src
  echo "    apt-get source busybox=$bbver"
  (cd busybox-src && apt-get source -q "busybox=$bbver" 2>&1 | grep -v '^W: Download is performed unsandboxed' | tail -3)
  mv busybox-src/busybox-*/ busybox
  touch "busybox/.wasmvirt-source-$bbver"
fi

step "kernel: tinyconfig + images/kernel.config, make Image (the long step)"
export ARCH=riscv CROSS_COMPILE=$CROSS
(
  cd linux
  make -s tinyconfig >/dev/null
  scripts/kconfig/merge_config.sh -m .config "$here/kernel.config" >/dev/null
  make -s olddefconfig 2>&1 | grep -v "changes choice state" || true
  # Every line of the fragment must have taken effect (a dependency can silently drop a symbol).
  bad=0
  while read -r line; do
    case "$line" in
      CONFIG_*) grep -qx "$line" .config || { echo "    kernel config: $line did not take effect" >&2; bad=1; } ;;
      "# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
        if grep -q "^$sym=" .config; then echo "    kernel config: $sym is still set" >&2; bad=1; fi ;;
    esac
  done < "$here/kernel.config"
  [ "$bad" = 0 ] || exit 1
)
cp linux/.config kernel.config.full
run_logged kernel-build.log make -C linux -j"$jobs" Image
unset ARCH CROSS_COMPILE
ls -l linux/arch/riscv/boot/Image | awk '{ print "    Image: " $5 " bytes" }'

step "busybox: defconfig + images/busybox.config, static"
(
  cd busybox
  [ ! -f .config ] || cp -p .config .config.prev
  make -s defconfig >/dev/null
  while read -r line; do
    case "$line" in
      CONFIG_*) sym=${line%%=*} ;;
      "# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
      *) continue ;;
    esac
    sed -i "/^$sym=/d;/^# $sym is not set/d" .config
    echo "$line" >> .config
  done < "$here/busybox.config"
  { yes "" || true; } | make -s oldconfig >/dev/null 2>&1
  # an unchanged configuration keeps its old mtime, so that make does not rebuild everything
  if [ -f .config.prev ] && cmp -s .config .config.prev; then touch -r .config.prev .config; fi
)
run_logged busybox-build.log make -C busybox -j"$jobs" CROSS_COMPILE=$CROSS busybox
cp busybox/.config busybox.config.full
rm -rf busybox-install
make -s -C busybox CROSS_COMPILE=$CROSS CONFIG_PREFIX="$work/busybox-install" install >/dev/null
ls -l busybox/busybox | awk '{ print "    busybox: " $5 " bytes" }'

step "initramfs: busybox + images/rootfs, cpio newc (gen_init_cpio), gzip"
rm -rf rootfs
mkdir rootfs
cp -a busybox-install/. rootfs/
cp -a "$here/rootfs/." rootfs/
mkdir -p rootfs/{dev,proc,sys,tmp,run,mnt,root,etc}
# modes must not depend on the umask of the checkout: no group/other write anywhere, then fixed mtimes
chmod -R go-w,a+rX rootfs
find rootfs -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
{
  echo "# generated by images/build.sh"
  echo "nod /dev/console 0600 0 0 c 5 1"
  (cd rootfs && find . -mindepth 1 | LC_ALL=C sort) | while read -r path; do
    name=${path#.}
    src=rootfs$name
    mode=$(stat -c %a "$src")
    if [ -L "$src" ]; then echo "slink $name $(readlink "$src") 777 0 0"
    elif [ -d "$src" ]; then echo "dir $name $mode 0 0"
    else echo "file $name $work/$src $mode 0 0"
    fi
  done
} > initramfs.list
linux/usr/gen_init_cpio -t "$SOURCE_DATE_EPOCH" initramfs.list > initramfs.cpio
echo "    initramfs.cpio: $(wc -c < initramfs.cpio) bytes, $(grep -c '^[a-z]' initramfs.list) entries"

step "disk: ext2 ($DISK_SIZE) from images/disk"
rm -rf disk-root disk.ext2
cp -a "$here/disk" disk-root
chmod -R go-w,a+rX disk-root
find disk-root -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mke2fs -q -F -t ext2 -L wasmvirt -U "$DISK_UUID" -E "hash_seed=$DISK_HASH_SEED,root_owner=0:0" -d disk-root disk.ext2 "$DISK_SIZE" >/dev/null
# mke2fs -d copies each file's owner, atime and ctime from the build tree; pin them (and mtime) with debugfs.
stamp=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y%m%d%H%M%S)
(cd disk-root && find . -mindepth 1 | LC_ALL=C sort) | while read -r path; do
  for field in atime ctime mtime; do echo "set_inode_field ${path#.} $field $stamp"; done
  echo "set_inode_field ${path#.} uid 0"
  echo "set_inode_field ${path#.} gid 0"
done | debugfs -w -f - disk.ext2 >/dev/null 2>&1
fsck.ext2 -fn disk.ext2 >/dev/null 2>&1 || { echo "build.sh: fsck.ext2 found errors in disk.ext2" >&2; exit 1; }
echo "    disk.ext2: $(wc -c < disk.ext2) bytes"

step "firmware, compress, index.json"
cp "$OPENSBI_DIR/fw_dynamic.bin" fw_dynamic.bin
cp linux/arch/riscv/boot/Image Image
# The kernel's symbols (no kallsyms in the image, no vmlinux kept): what a debugger breaks on by name.
cp linux/System.map System.map
mkdir -p "$out"
entries=()
for spec in "firmware fw_dynamic.bin opensbi" "kernel Image linux-source-6.1" "initrd initramfs.cpio busybox" "disk disk.ext2 e2fsprogs"; do
  set -- $spec
  role=$1 file=$2 pkg=$3
  gzip -9n < "$file" > "$out/$file.gz"
  entries+=("$(printf '    {"role": "%s", "file": "%s.gz", "name": "%s", "size": %d, "sha256": "%s", "gzSize": %d, "gzSha256": "%s", "from": "%s %s"}' \
    "$role" "$file" "$file" "$(wc -c < "$file")" "$(sha256sum < "$file" | cut -d' ' -f1)" \
    "$(wc -c < "$out/$file.gz")" "$(sha256sum < "$out/$file.gz" | cut -d' ' -f1)" "$pkg" \
    "$(if [ "$pkg" = busybox ]; then echo "$bbver"; else pkgver "$pkg"; fi)")")
done
gzip -9n < System.map > "$out/System.map.gz"
symbols=$(printf '  "symbols": {"file": "System.map.gz", "name": "System.map", "size": %d, "sha256": "%s", "gzSize": %d, "gzSha256": "%s", "for": "Image"},' \
  "$(wc -c < System.map)" "$(sha256sum < System.map | cut -d' ' -f1)" \
  "$(wc -c < "$out/System.map.gz")" "$(sha256sum < "$out/System.map.gz" | cut -d' ' -f1)")
{
  echo "{"
  echo '  "comment": "wasmvirt guest images, written by images/build.sh; decompress with src/machine/images.ts (ensureImages)",'
  echo '  "kernelCmdline": "console=ttyS0 earlycon=sbi",'
  echo '  "benchCmdline": "console=ttyS0 earlycon=sbi wasmvirt.bench=1",'
  echo "$symbols"
  echo '  "artifacts": ['
  for i in "${!entries[@]}"; do
    if [ "$i" -lt $(( ${#entries[@]} - 1 )) ]; then echo "${entries[$i]},"; else echo "${entries[$i]}"; fi
  done
  echo "  ]"
  echo "}"
} > "$out/index.json"

# the fully resolved configurations, for review and diffing (they are as reproducible as the images)
cp kernel.config.full "$out/kernel.config.resolved"
cp busybox.config.full "$out/busybox.config.resolved"

printf '\n==> done in %ds; outputs in %s\n' $(( $(date +%s) - t_start )) "$out"
(cd "$out" && for f in fw_dynamic.bin.gz Image.gz initramfs.cpio.gz disk.ext2.gz; do printf '    %-20s %9d bytes  sha256 %s\n' "$f" "$(wc -c < "$f")" "$(sha256sum < "$f" | cut -d' ' -f1)"; done)
