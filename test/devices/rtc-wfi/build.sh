#!/bin/sh
# Rebuild rtcwfi.elf from start.S + rtcwfi.c (Debian's gcc-riscv64-unknown-elf); the ELF is committed.
set -eu
cd "$(dirname "$0")"
riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -O1 -ffreestanding -nostdlib -nostartfiles -static \
  -mcmodel=medany -T rtcwfi.ld -Wl,--build-id=none -Wl,--no-warn-rwx-segments -o rtcwfi.elf start.S rtcwfi.c
