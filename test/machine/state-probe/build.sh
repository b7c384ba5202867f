#!/bin/sh
# Rebuild state.elf from state.c (Debian's gcc-riscv64-unknown-elf); the ELF is committed.
set -eu
cd "$(dirname "$0")"
riscv64-unknown-elf-gcc -march=rv64imafdc_zicsr -mabi=lp64 -O1 -ffreestanding -nostdlib -nostartfiles -static \
  -mcmodel=medany -T state.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o state.elf state.c
