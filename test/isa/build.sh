#!/bin/sh
# Rebuild every ISA test program: test/isa/src/<name>.S (+ runtime.S) -> test/isa/bin/<name>.elf.
# Needs Debian's gcc-riscv64-unknown-elf. Usage: test/isa/build.sh [name...]
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
CFLAGS="-march=rv64imac_zicsr_zifencei -mabi=lp64 -nostdlib -nostartfiles -static -mcmodel=medany -Iinclude -T link.ld -Wl,--no-warn-rwx-segments -Wl,--build-id=none"
mkdir -p bin
if [ $# -eq 0 ]; then
  set -- $(for f in src/*.S src/*.c; do [ -e "$f" ] || continue; b=$(basename "$f"); b=${b%.*}; [ "$b" = runtime ] || echo "$b"; done | sort -u)
fi
for name in "$@"; do
  srcs=""
  for ext in S c; do [ -e "src/$name.$ext" ] && srcs="$srcs src/$name.$ext"; done
  [ -n "$srcs" ] || { echo "no source for $name" >&2; exit 1; }
  $CC $CFLAGS -o "bin/$name.elf" src/runtime.S $srcs
  echo "built bin/$name.elf"
done
