#!/bin/sh
# Rebuilds the bare-metal benchmark programs with Debian's gcc-riscv64-unknown-elf.
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
FLAGS="-march=rv64imac_zicsr -mabi=lp64 -O2 -nostdlib -nostartfiles -static -mcmodel=medany -ffreestanding -fno-builtin -T link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments"
mkdir -p bin
for p in intloop memory; do
  $CC $FLAGS -o bin/$p.elf src/start.S src/lib.c src/$p.c
  echo "built bin/$p.elf"
done
