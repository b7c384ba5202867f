#!/bin/sh
# Rebuilds the bare-metal benchmark programs with Debian's gcc-riscv64-unknown-elf. Usage: build.sh [name...]
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
FLAGS="-march=rv64imac_zicsr -mabi=lp64 -O2 -nostdlib -nostartfiles -static -mcmodel=medany -ffreestanding -fno-builtin -T link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments"
mkdir -p bin
for p in ${@:-intloop memory tlbmiss jitchurn}; do
  # jitchurn executes fence.i (Zifencei); the others keep the flags they were first built with.
  arch=""; [ "$p" = jitchurn ] && arch="-march=rv64imac_zicsr_zifencei"
  $CC $FLAGS $arch -o bin/$p.elf src/start.S src/lib.c src/$p.c
  echo "built bin/$p.elf"
done
