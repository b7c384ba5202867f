#!/bin/sh
# Rebuilds the debugger test programs with Debian's gcc-riscv64-unknown-elf (with symbols and
# line numbers: the gdb tests break, backtrace and watch by name). Objects are compiled under
# fixed names first so that the ELFs are byte-for-byte reproducible.
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-unknown-elf-gcc}
CFLAGS="-march=rv64imac_zicsr -mabi=lp64 -Og -g -ffreestanding -fno-builtin -mcmodel=medany -fdebug-prefix-map=$(pwd)=."
LDFLAGS="-nostdlib -nostartfiles -static -T link.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments"
mkdir -p bin obj
trap 'rm -rf obj' EXIT
$CC $CFLAGS -c -o obj/start.o start.S
$CC $CFLAGS -c -o obj/debugme.o debugme.c
$CC $CFLAGS -c -o obj/trapstep.o trapstep.S
$CC $CFLAGS $LDFLAGS -o bin/debugme.elf obj/start.o obj/debugme.o
$CC $CFLAGS $LDFLAGS -o bin/trapstep.elf obj/trapstep.o
echo "built bin/debugme.elf bin/trapstep.elf"
