#!/bin/sh
# Rebuild every ISA test program: test/isa/src/<name>.S (+ runtime.S) -> test/isa/bin/<name>.elf.
# Needs Debian's gcc-riscv64-unknown-elf. Usage: [OUT=dir] test/isa/build.sh [name...]
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
CFLAGS="-march=rv64imac_zicsr_zifencei -mabi=lp64 -nostdlib -nostartfiles -static -mcmodel=medany -Iinclude -Wl,--no-warn-rwx-segments -Wl,--build-id=none -O2 -ffreestanding -fno-stack-protector"
OUT=${OUT:-bin}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
here=$(pwd)
if [ $# -eq 0 ]; then
  set -- $(for f in src/*.S src/*.c; do [ -e "$f" ] || continue; b=$(basename "$f"); b=${b%.*}; [ "$b" = runtime ] || echo "$b"; done | sort -u)
fi
# Objects get fixed names (in a scratch directory) so that the ELFs are byte-for-byte reproducible:
# gcc would otherwise put its random temporary object names into the symbol table.
obj=$(mktemp -d)
trap 'rm -rf "$obj"' EXIT
for name in "$@"; do
  # The F/D programs (fp*) need the FP instructions: same flags with rv64imafdc instead of rv64imac
  # (the ABI stays lp64, so nothing else changes; every other program is built as RV64IMAC).
  case $name in
    fp*) flags=$(echo "$CFLAGS" | sed 's/-march=rv64imac_/-march=rv64imafdc_/') ;;
    *) flags=$CFLAGS ;;
  esac
  objs=""
  for src in src/runtime.S src/$name.S src/$name.c; do
    [ -e "$src" ] || continue
    o="$obj/$(basename "$src").o"
    $CC $flags -c -o "$o" "$src"
    objs="$objs $o"
  done
  [ "$objs" != " $obj/runtime.S.o" ] || { echo "no source for $name" >&2; exit 1; }
  (cd "$obj" && $CC $flags -T "$here/link.ld" -o "$OUT/$name.elf" $(for o in $objs; do basename "$o"; done))
  rm -f "$obj"/*.o
  echo "built $name.elf"
done
