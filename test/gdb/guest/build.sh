#!/bin/sh
# Rebuilds the debugger test program with Debian's gcc-riscv64-unknown-elf (with symbols and
# line numbers: the gdb tests break, backtrace and watch by name).
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
FLAGS="-march=rv64imac_zicsr -mabi=lp64 -Og -g -nostdlib -nostartfiles -static -mcmodel=medany -ffreestanding -fno-builtin -T link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -fdebug-prefix-map=$(pwd)=."
mkdir -p bin
$CC $FLAGS -o bin/debugme.elf start.S debugme.c
echo "built bin/debugme.elf"
