#!/usr/bin/env python3
"""Generate the table-driven F/D arithmetic tests included by fp_arith_s.S and fp_arith_d.S.

Every F/D computational instruction gets a table of edge-case operands (zeros, subnormals,
infinities, quiet and signalling NaNs, unboxed singles, halfway cases, overflow/underflow
boundaries, conversion limits, fused multiply-add cases where rounding twice would differ).
Instructions with a rounding mode get one table per rm encoding (rne, rtz, rdn, rup, rmm, and dyn
with frm set to each mode in turn); static-rm tables run with a different (often reserved) frm to
show it is ignored. Each table uses different registers so that every register field is exercised.

The expected results and fflags are NOT computed here: they come from QEMU. This script writes the
same instruction sequences into a Linux user-mode program (riscv64-linux-gnu-gcc, static), runs it
under qemu-riscv64 (QEMU's softfloat, the same code qemu-system-riscv64 uses), reads back the
result and fflags of every row, and writes them into the tables. The bare-metal programs then
check them on qemu-system-riscv64 and on wasmvirt.

Run: python3 test/isa/gen/fp_vectors.py   (rewrites test/isa/src/fp_arith_{s,d}_gen.inc)
Needs: riscv64-linux-gnu-gcc, qemu-riscv64. Then rebuild: test/isa/build.sh fp_arith_s fp_arith_d
"""
import os
import struct
import subprocess
import sys
import tempfile

M64 = (1 << 64) - 1
# A row: the operands (1 to 3 dwords), the expected result, the expected fflags.

RMS = ["rne", "rtz", "rdn", "rup", "rmm"]


def d(x):
    """bits of a Python float as a double"""
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def sbits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def s(x):
    """a boxed single from a Python float"""
    return 0xFFFFFFFF00000000 | sbits(x)


def sb(bits):
    """a boxed single from its 32 bits"""
    return 0xFFFFFFFF00000000 | bits


def u(x):
    return x & M64


# ---- doubles ----
D = dict(
    PZ=0, NZ=0x8000000000000000, ONE=d(1.0), NONE=d(-1.0), TWO=d(2.0), HALF=d(0.5), THREE=d(3.0),
    MINSUB=1, NMINSUB=0x8000000000000001, MAXSUB=0x000FFFFFFFFFFFFF, NMAXSUB=0x800FFFFFFFFFFFFF,
    MINNORM=0x0010000000000000, NMINNORM=0x8010000000000000,
    MAX=0x7FEFFFFFFFFFFFFF, NMAX=0xFFEFFFFFFFFFFFFF, PINF=0x7FF0000000000000, NINF=0xFFF0000000000000,
    QNAN=0x7FF8000000000000, NQNANP=0xFFF800000000ABCD, SNAN=0x7FF0000000000001, NSNAN=0xFFF4000000000000,
    ONEULP=0x3FF0000000000001, ONEM=0x3FEFFFFFFFFFFFFF,   # 1 + 2^-52, 1 - 2^-53
    H53=d(2.0 ** -53), PI=d(3.141592653589793), E=d(2.718281828459045),
)
DSPEC = ["PZ", "NZ", "ONE", "NMINSUB", "PINF", "NINF", "QNAN", "SNAN"]
DUNARY = ["PZ", "NZ", "ONE", "NONE", "MINSUB", "NMINSUB", "MAXSUB", "NMAXSUB", "MINNORM", "NMINNORM",
          "MAX", "NMAX", "PINF", "NINF", "QNAN", "NQNANP", "SNAN", "NSNAN", "HALF", "THREE", "PI"]

# ---- singles (boxed) ----
S = dict(
    PZ=sb(0), NZ=sb(0x80000000), ONE=s(1.0), NONE=s(-1.0), TWO=s(2.0), HALF=s(0.5), THREE=s(3.0),
    MINSUB=sb(1), NMINSUB=sb(0x80000001), MAXSUB=sb(0x007FFFFF), NMAXSUB=sb(0x807FFFFF),
    MINNORM=sb(0x00800000), NMINNORM=sb(0x80800000),
    MAX=sb(0x7F7FFFFF), NMAX=sb(0xFF7FFFFF), PINF=sb(0x7F800000), NINF=sb(0xFF800000),
    QNAN=sb(0x7FC00000), NQNANP=sb(0xFFC0ABCD), SNAN=sb(0x7F800001), NSNAN=sb(0xFFA00000),
    ONEULP=sb(0x3F800001), ONEM=sb(0x3F7FFFFF),   # 1 + 2^-23, 1 - 2^-24
    H24=s(2.0 ** -24), PI=s(3.14159265), E=s(2.7182818),
    # not properly NaN-boxed: read as the canonical NaN by every single-precision operation
    UNBOX0=0x000000003F800000, UNBOX1=0x7FFFFFFF3F800000, UNBOX2=0xFFFFFFFE00000000,
)
SSPEC = ["PZ", "NZ", "ONE", "NMINSUB", "PINF", "NINF", "QNAN", "SNAN"]
SUNARY = ["PZ", "NZ", "ONE", "NONE", "MINSUB", "NMINSUB", "MAXSUB", "NMAXSUB", "MINNORM", "NMINNORM",
          "MAX", "NMAX", "PINF", "NINF", "QNAN", "NQNANP", "SNAN", "NSNAN", "HALF", "THREE", "PI",
          "UNBOX0", "UNBOX1", "UNBOX2"]


def cross(vals, names):
    return [(vals[a], vals[b]) for a in names for b in names]


def named(vals, rows):
    """rows of names or raw ints -> rows of ints"""
    return [tuple(vals[x] if isinstance(x, str) else u(x) for x in r) for r in rows]


# Rows for binary add/sub (rounding-sensitive)
def addsub_rows(F, P):
    if P == "d":
        x = [("ONE", "H53"), ("ONEULP", "H53"), ("NONE", d(-2.0 ** -53)), ("ONE", d(3 * 2.0 ** -54)),
             ("ONE", d(2.0 ** -54)), ("ONE", d(-2.0 ** -54)), ("ONE", "NONE"), ("PZ", "NZ"), ("NZ", "NZ"),
             ("MAX", "MAX"), ("NMAX", "NMAX"), ("MAX", d(2.0 ** 970)), ("MAX", d(2.0 ** 969)),
             ("MINNORM", "NMINSUB"), ("MAXSUB", "MINSUB"), ("PI", "E"), (d(2.0 ** 53), "ONE"), (d(2.0 ** 53), "THREE"),
             (d(-3.141592653589793), d(1e-300)), (d(0.1), d(0.2)), ("ONE", d(-1e-30)), ("NONE", d(1e-30))]
    else:
        x = [("ONE", "H24"), ("ONEULP", "H24"), ("NONE", s(-2.0 ** -24)), ("ONE", s(3 * 2.0 ** -25)),
             ("ONE", s(2.0 ** -25)), ("ONE", s(-2.0 ** -25)), ("ONE", "NONE"), ("PZ", "NZ"), ("NZ", "NZ"),
             ("MAX", "MAX"), ("NMAX", "NMAX"), ("MAX", s(2.0 ** 103)), ("MAX", s(2.0 ** 102)),
             ("MINNORM", "NMINSUB"), ("MAXSUB", "MINSUB"), ("PI", "E"), (s(2.0 ** 24), "ONE"), (s(2.0 ** 24), "THREE"),
             (s(-3.14159265), s(1e-30)), (s(0.1), s(0.2)), ("ONE", s(-1e-20)), ("NONE", s(1e-20)),
             ("UNBOX0", "ONE"), ("ONE", "UNBOX2")]
    return named(F, x)


def mul_rows(F, P):
    if P == "d":
        x = [("ONEULP", "ONEULP"), ("ONEM", "ONEULP"), ("MINNORM", "ONEM"), ("MINNORM", "HALF"),
             ("MINSUB", "HALF"), ("MINSUB", d(0.75)), ("MINSUB", d(-0.5)), ("MINSUB", d(1.5)), ("MINSUB", d(2.5)),
             ("MAX", "TWO"), ("MAX", "ONEULP"), ("NMAX", "TWO"), ("MAXSUB", "TWO"), ("MAXSUB", "ONEULP"),
             ("PI", "E"), (d(0.1), d(0.1)), ("MINNORM", "MINNORM"), ("NMINNORM", "MINNORM"),
             (d(1 / 3), "THREE"), (d(2.0 ** -537), d(2.0 ** -537)), (d(3 * 2.0 ** -538), d(2.0 ** -537)),
             (d(2.0 ** 512), d(2.0 ** 511)), (d(2.0 ** 512), d(2.0 ** 512)), ("NZ", "MINSUB")]
    else:
        x = [("ONEULP", "ONEULP"), ("ONEM", "ONEULP"), ("MINNORM", "ONEM"), ("MINNORM", "HALF"),
             ("MINSUB", "HALF"), ("MINSUB", s(0.75)), ("MINSUB", s(-0.5)), ("MINSUB", s(1.5)), ("MINSUB", s(2.5)),
             ("MAX", "TWO"), ("MAX", "ONEULP"), ("NMAX", "TWO"), ("MAXSUB", "TWO"), ("MAXSUB", "ONEULP"),
             ("PI", "E"), (s(0.1), s(0.1)), ("MINNORM", "MINNORM"), ("NMINNORM", "MINNORM"),
             (s(1 / 3), "THREE"), (s(2.0 ** -75), s(2.0 ** -74)), (s(3 * 2.0 ** -76), s(2.0 ** -74)),
             (s(2.0 ** 64), s(2.0 ** 63)), (s(2.0 ** 64), s(2.0 ** 64)), ("NZ", "MINSUB"), ("UNBOX1", "TWO")]
    return named(F, x)


def div_rows(F, P):
    if P == "d":
        x = [("ONE", "THREE"), ("TWO", "THREE"), ("NONE", "THREE"), ("ONE", d(10.0)), ("MAX", "HALF"),
             ("MINNORM", "TWO"), ("MINNORM", "THREE"), ("MINSUB", "TWO"), ("MINSUB", d(-2.0)), ("MINSUB", "MAX"),
             ("MAX", "MINSUB"), ("ONE", "ONEM"), ("ONEULP", "ONEM"), ("ONE", "MAX"), ("NONE", "MAX"),
             ("PI", "E"), ("MAXSUB", "ONEULP"), (d(3 * 2.0 ** -1074), "TWO"), ("NZ", "THREE")]
    else:
        x = [("ONE", "THREE"), ("TWO", "THREE"), ("NONE", "THREE"), ("ONE", s(10.0)), ("MAX", "HALF"),
             ("MINNORM", "TWO"), ("MINNORM", "THREE"), ("MINSUB", "TWO"), ("MINSUB", s(-2.0)), ("MINSUB", "MAX"),
             ("MAX", "MINSUB"), ("ONE", "ONEM"), ("ONEULP", "ONEM"), ("ONE", "MAX"), ("NONE", "MAX"),
             ("PI", "E"), ("MAXSUB", "ONEULP"), (sb(3), "TWO"), ("NZ", "THREE"), ("THREE", "UNBOX0")]
    return named(F, x)


def sqrt_rows(F, P):
    if P == "d":
        x = ["TWO", "THREE", "HALF", "ONEULP", "ONEM", d(10.0), "PI", d(1e-310), "MAXSUB", "MAX",
             0x3FF0000000000002, d(0.1)]
    else:
        x = ["TWO", "THREE", "HALF", "ONEULP", "ONEM", s(10.0), "PI", sb(0x00012345), "MAXSUB", "MAX",
             sb(0x3F800002), s(0.1)]
    return named(F, [(v,) for v in x])


def fma_special(F):
    x = [("PINF", "PZ", "QNAN"), ("PZ", "PINF", "ONE"), ("PINF", "ONE", "NINF"), ("QNAN", "ONE", "ONE"),
         ("ONE", "SNAN", "ONE"), ("ONE", "ONE", "SNAN"), ("NZ", "PZ", "NZ"), ("PZ", "PZ", "NZ"),
         ("NZ", "ONE", "PZ"), ("PINF", "TWO", "PINF"), ("ONE", "TWO", "THREE"), ("SNAN", "PZ", "PINF"),
         ("PZ", "PINF", "NQNANP"), ("NINF", "NINF", "NINF"), ("MAX", "MAX", "NINF"), ("NSNAN", "QNAN", "ONE")]
    return named(F, x)


def fma_rows(F, P):
    if P == "d":
        x = [("ONEULP", "ONEM", "NONE"), ("ONEULP", "ONEULP", "NONE"), ("ONE", "ONE", "NONE"),
             ("MAX", "TWO", "NMAX"), ("MINNORM", "ONEM", "PZ"), ("MINSUB", d(-2.0 ** -60), "MINNORM"),
             ("PI", "E", d(1e-10)), (d(0.1), d(10.0), "NONE"), (d(1 + 2.0 ** -30), d(1 + 2.0 ** -30), d(-(1 + 2.0 ** -29))),
             (d(1 + 2.0 ** -27), d(1 + 2.0 ** -27), "H53"), ("MAX", "TWO", "PZ"), ("MINSUB", "HALF", "NZ"),
             ("MINNORM", "MINNORM", "MINSUB"), ("NONE", "H53", "ONE"), ("ONE", "MINSUB", "NONE")]
    else:
        x = [("ONEULP", "ONEM", "NONE"), ("ONEULP", "ONEULP", "NONE"), ("ONE", "ONE", "NONE"),
             ("MAX", "TWO", "NMAX"), ("MINNORM", "ONEM", "PZ"), ("MINSUB", s(-2.0 ** -30), "MINNORM"),
             ("PI", "E", s(1e-10)), (s(0.1), s(10.0), "NONE"), (s(1 + 2.0 ** -12), s(1 + 2.0 ** -12), s(-(1 + 2.0 ** -11))),
             (s(1 + 2.0 ** -12), s(1 + 2.0 ** -12), "H24"), ("MAX", "TWO", "PZ"), ("MINSUB", "HALF", "NZ"),
             ("MINNORM", "MINNORM", "MINSUB"), ("NONE", "H24", "ONE"), ("ONE", "MINSUB", "NONE"),
             ("UNBOX0", "ONE", "ONE"), ("ONE", "ONE", "UNBOX1")]
    return named(F, x)


def toint_rows(F, P):
    """float -> integer: the same rows for w, wu, l, lu"""
    if P == "d":
        x = ["PZ", "NZ", d(0.5), d(-0.5), d(1.5), d(2.5), d(-1.5), d(-2.5), d(0.49999999999999994), "ONEM",
             d(2147483647.0), d(2147483647.5), d(2147483648.0), d(-2147483648.0), d(-2147483648.5), d(-2147483649.0),
             d(4294967295.0), d(4294967295.5), d(4294967296.0), d(1e10), d(-1e10),
             0x43DFFFFFFFFFFFFF, d(2.0 ** 63), d(-2.0 ** 63), 0xC3E0000000000001, 0x43EFFFFFFFFFFFFF, d(2.0 ** 64),
             "PINF", "NINF", "QNAN", "NQNANP", "SNAN", "MINSUB", "NMINSUB", "MAX", "NMAX", d(-0.9999)]
    else:
        x = ["PZ", "NZ", s(0.5), s(-0.5), s(1.5), s(2.5), s(-1.5), s(-2.5), sb(0x3EFFFFFF), "ONEM",
             sb(0x4EFFFFFF), s(2.0 ** 31), s(-2.0 ** 31), sb(0xCF000001), sb(0x4F7FFFFF), s(2.0 ** 32),
             s(1e10), s(-1e10), sb(0x5EFFFFFF), s(2.0 ** 63), s(-2.0 ** 63), sb(0xDF000001), sb(0x5F7FFFFF), s(2.0 ** 64),
             "PINF", "NINF", "QNAN", "NQNANP", "SNAN", "MINSUB", "NMINSUB", "MAX", "NMAX", s(-0.9999), s(8388607.5),
             "UNBOX0"]
    return named(F, [(v,) for v in x])


INT_ROWS = [0, 1, -1, 123456789, 2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 32 - 1, 0x1234567880000000,
            0xFFFFFFFF00000001, 2 ** 24 + 1, 2 ** 24 + 3, -(2 ** 24 + 1), 2 ** 53 + 1, 2 ** 53 + 3, -(2 ** 53 + 1),
            2 ** 63 - 1, -(2 ** 63 - 1), -2 ** 63, M64, 0x7FFFFF8000000000, 0x7FFFFFC000000001, 0xFFFFFF7FFFFFFFFF,
            0x0000000100000001, 0x00000000FFFFFF7F, 0x0000000080000081]


def fromint_rows():
    return [(u(v),) for v in INT_ROWS]


def s_from_d_rows():
    x = [d(1 / 3), d(-1 / 3), D["MAX"], D["NMAX"], d(3.4028234663852886e38), 0x47EFFFFFF0000000, 0x47EFFFFFE8000000,
         d(2.0 ** -150), d(2.0 ** -149), d(3 * 2.0 ** -150), D["MINSUB"], D["NMINSUB"], d(2.0 ** -126 * (1 - 2.0 ** -25)),
         D["QNAN"], D["NQNANP"], D["SNAN"], D["PINF"], D["NINF"], D["PZ"], D["NZ"], d(1 + 2.0 ** -24),
         d(1 + 3 * 2.0 ** -25), d(-(1 + 2.0 ** -24)), d(0.1), D["ONE"]]
    return [(v,) for v in x]


def d_from_s_rows():
    return [(S[n],) for n in SUNARY] + [(s(0.1),), (s(1 / 3),)]


def sgnj_rows(F, P):
    x = [("ONE", "NONE"), ("NONE", "ONE"), ("ONE", "ONE"), ("NONE", "NONE"), ("QNAN", "NONE"), ("SNAN", "NZ"),
         ("NQNANP", "ONE"), ("PINF", "NZ"), ("MINSUB", "NINF"), ("NSNAN", "NSNAN")]
    if P == "s":
        x += [("UNBOX0", "NONE"), ("NONE", "UNBOX0"), ("UNBOX1", "UNBOX2"), ("NONE", "UNBOX1")]
    return named(F, x)


def minmax_rows(F, P):
    x = [("PZ", "NZ"), ("NZ", "PZ"), ("SNAN", "QNAN"), ("QNAN", "SNAN"), ("SNAN", "SNAN"), ("QNAN", "NQNANP"),
         ("MINSUB", "NMINSUB"), ("MAX", "PINF"), ("NMAX", "NINF"), ("ONE", "ONEULP"), ("NSNAN", "NONE")]
    if P == "s":
        x += [("UNBOX0", "ONE"), ("NONE", "UNBOX2"), ("UNBOX1", "UNBOX0")]
    return named(F, x)


def cmp_rows(F, P):
    x = [("MINSUB", "NMINSUB"), ("NMINSUB", "MINSUB"), ("MINSUB", "MINSUB"), ("MAX", "PINF"), ("NINF", "NMAX"),
         ("ONE", "ONEULP"), ("ONEULP", "ONE"), ("NSNAN", "NSNAN"), ("NQNANP", "NQNANP"), ("MAXSUB", "MINNORM")]
    if P == "s":
        x += [("UNBOX0", "ONE"), ("UNBOX0", "UNBOX0"), ("ONE", "UNBOX1")]
    return named(F, x)


def unary_all(F, names):
    return [(F[n],) for n in names]


FMV_X_ROWS = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x123456789ABCDEF0, 0xFEDCBA9876543210, M64,
              0x7FF8000000000001, 0xFFFFFFFF7FC00001]


class Table:
    def __init__(self, insn, srcs, dst, rows, frm):
        self.insn = insn      # format string with {rd} {rs1} {rs2} {rs3}
        self.srcs = srcs      # 'f' or 'x' per source operand
        self.dst = dst        # 'f' or 'x'
        self.rows = rows      # tuples of 1..3 operand values
        self.frm = frm        # frm during the table


F_POOL = list(range(32))
X_POOL = [4] + list(range(11, 18)) + list(range(19, 28)) + list(range(28, 32))   # tp a1-a7 s3-s11 t3-t6


class RegAlloc:
    def __init__(self):
        self.fi = 0
        self.xi = 0
        self.n = 0

    def pick(self, srcs, dst):
        """registers for one table: distinct sources; rd equal to rs1 in every third table"""
        self.n += 1
        regs = []
        for k in srcs:
            if k == "f":
                r = F_POOL[(self.fi) % 32]
                self.fi += 7       # coprime with 32: visits every f register
                regs.append("f%d" % r)
            else:
                r = X_POOL[self.xi % len(X_POOL)]
                self.xi += 5
                regs.append("x%d" % r)
        # destination
        if self.n % 3 == 0 and srcs and srcs[0] == dst:
            rd = regs[0]
        elif dst == "f":
            while True:
                r = "f%d" % F_POOL[self.fi % 32]
                self.fi += 7
                if r not in regs:
                    rd = r
                    break
        else:
            while True:
                r = "x%d" % X_POOL[self.xi % len(X_POOL)]
                self.xi += 5
                if r not in regs:
                    rd = r
                    break
        return rd, regs


def build_tables(P):
    """The list of (test number, Table) for precision P ('s' or 'd')."""
    F = S if P == "s" else D
    SPEC = SSPEC if P == "s" else DSPEC
    UNARY = SUNARY if P == "s" else DUNARY
    tables = []
    dyn_frm = [0]

    def rm_tables(insn, srcs, dst, special, rounding, exact_insn=None):
        """one table per rm encoding: rne gets the special rows too"""
        for i, rm in enumerate(RMS + ["dyn"]):
            rows = (special + rounding) if rm == "rne" else rounding
            if rm == "dyn":
                frm = dyn_frm[0] % 5
                dyn_frm[0] += 1
            else:
                frm = [7, 5, 6, (i + 1) % 5, (i + 3) % 5][(len(tables) + i) % 5]
            if exact_insn is not None:
                text = exact_insn(7 if rm == "dyn" else i)
            else:
                text = insn.replace("{rm}", rm)
            tables.append(Table(text, srcs, dst, rows, frm))

    def plain(insn, srcs, dst, rows):
        tables.append(Table(insn, srcs, dst, rows, [5, 6, 7, 0, 3][len(tables) % 5]))

    spec2 = cross(F, SPEC)
    un_spec = unary_all(F, UNARY)
    p = P
    rm_tables("fadd.%s {rd}, {rs1}, {rs2}, {rm}" % p, "ff", "f", spec2, addsub_rows(F, P))
    rm_tables("fsub.%s {rd}, {rs1}, {rs2}, {rm}" % p, "ff", "f", spec2, addsub_rows(F, P))
    rm_tables("fmul.%s {rd}, {rs1}, {rs2}, {rm}" % p, "ff", "f", spec2, mul_rows(F, P))
    rm_tables("fdiv.%s {rd}, {rs1}, {rs2}, {rm}" % p, "ff", "f", spec2, div_rows(F, P))
    rm_tables("fsqrt.%s {rd}, {rs1}, {rm}" % p, "f", "f", un_spec, sqrt_rows(F, P))
    for op in ["fmadd", "fmsub", "fnmsub", "fnmadd"]:
        rm_tables(op + ".%s {rd}, {rs1}, {rs2}, {rs3}, {rm}" % p, "fff", "f", fma_special(F), fma_rows(F, P))
    ti = toint_rows(F, P)
    for it in ["w", "wu", "l", "lu"]:
        rm_tables("fcvt.%s.%s {rd}, {rs1}, {rm}" % (it, p), "f", "x", [], ti)
    fi = fromint_rows()
    for it in ["w", "wu", "l", "lu"]:
        if P == "d" and it in ("w", "wu"):
            # exact: the assembler takes no rm operand, so encode it with .insn (rs2 = 0 / 1)
            rs2 = 0 if it == "w" else 1
            rm_tables(None, "x", "f", [], fi,
                      exact_insn=lambda rm, rs2=rs2: ".insn r 0x53, %d, 0x69, {rd}, {rs1}, x%d" % (rm, rs2))
        else:
            rm_tables("fcvt.%s.%s {rd}, {rs1}, {rm}" % (p, it), "x", "f", [], fi)
    if P == "s":
        rm_tables("fcvt.s.d {rd}, {rs1}, {rm}", "f", "f", [], s_from_d_rows())
    else:
        rm_tables(None, "f", "f", [], d_from_s_rows(),
                  exact_insn=lambda rm: ".insn r 0x53, %d, 0x21, {rd}, {rs1}, f0" % rm)
    sg = sgnj_rows(F, P)
    for op in ["fsgnj", "fsgnjn", "fsgnjx"]:
        plain(op + ".%s {rd}, {rs1}, {rs2}" % p, "ff", "f", spec2 + sg)
    # rs1 == rs2: fmv / fneg / fabs (QEMU decodes these specially)
    for op in ["fsgnj", "fsgnjn", "fsgnjx"]:
        plain(op + ".%s {rd}, {rs1}, {rs1}" % p, "f", "f", un_spec)
    for op in ["fmin", "fmax"]:
        plain(op + ".%s {rd}, {rs1}, {rs2}" % p, "ff", "f", spec2 + minmax_rows(F, P))
    for op in ["feq", "flt", "fle"]:
        plain(op + ".%s {rd}, {rs1}, {rs2}" % p, "ff", "x", spec2 + cmp_rows(F, P))
    plain("fclass.%s {rd}, {rs1}" % p, "f", "x", un_spec)
    if P == "s":
        plain("fmv.x.w {rd}, {rs1}", "f", "x", un_spec + [(v,) for v in FMV_X_ROWS])
        plain("fmv.w.x {rd}, {rs1}", "x", "f", [(v,) for v in FMV_X_ROWS])
    else:
        plain("fmv.x.d {rd}, {rs1}", "f", "x", un_spec + [(v,) for v in FMV_X_ROWS])
        plain("fmv.d.x {rd}, {rs1}", "x", "f", [(v,) for v in FMV_X_ROWS])
    return tables


def emit_code(tables, P, check):
    """Assembly for every table. check=True: compare with the expected columns (bare metal);
    False: store the result and fflags into them (the QEMU user-mode oracle)."""
    ra = RegAlloc()
    out = []
    for n, t in enumerate(tables, start=1):
        rd, regs = ra.pick(t.srcs, t.dst)
        insn = t.insn.format(rd=rd, rs1=regs[0] if regs else "",
                             rs2=regs[1] if len(regs) > 1 else "", rs3=regs[2] if len(regs) > 2 else "")
        lab = "%s_t%d" % (P, n)
        if check:
            out.append("    TEST %d" % n)
        out.append("    la s0, %s" % lab)
        out.append("    li s1, %d" % len(t.rows))
        out.append("    li s2, %d" % len(t.rows))
        out.append("    csrwi frm, %d" % t.frm)
        out.append("1:")
        for i, (k, r) in enumerate(zip(t.srcs, regs)):
            if k == "f":
                out.append("    ld t0, %d(s0)" % (8 * i))
                out.append("    fmv.d.x %s, t0" % r)
            else:
                out.append("    ld %s, %d(s0)" % (r, 8 * i))
        out.append("    csrw fflags, zero")
        out.append("    " + insn)
        if t.dst == "f":
            out.append("    fmv.x.d a0, %s" % rd)
        else:
            out.append("    mv a0, %s" % rd)
        out.append("    csrr t1, fflags")
        nsrc = len(t.srcs)
        if check:
            out.append("    ld t2, %d(s0)" % (8 * nsrc))
            out.append("    bne a0, t2, 8f")
            out.append("    ld t2, %d(s0)" % (8 * nsrc + 8))
            out.append("    bne t1, t2, 8f")
        else:
            out.append("    sd a0, %d(s0)" % (8 * nsrc))
            out.append("    sd t1, %d(s0)" % (8 * nsrc + 8))
        out.append("    addi s0, s0, %d" % (8 * (nsrc + 2)))
        out.append("    addi s1, s1, -1")
        out.append("    bnez s1, 1b")
        if check:
            out.append("    j 9f")
            out.append("8:  li t2, %d" % nsrc)
            out.append("    j fp_row_fail")
            out.append("9:")
    return out


def emit_data(tables, P, results=None):
    out = []
    k = 0
    for n, t in enumerate(tables, start=1):
        out.append("%s_t%d:   /* %s */" % (P, n, t.insn.replace("{", "").replace("}", "")))
        for r in t.rows:
            assert len(r) == len(t.srcs)
            exp, fl = results[k] if results else (0, 0)
            k += 1
            out.append("    .dword " + ", ".join("0x%016x" % v for v in r) + ", 0x%016x, 0x%02x" % (exp, fl))
    return out


def run_oracle(tables, P, tmp):
    code = emit_code(tables, P, check=False)
    src = ["    .option norvc", "    .text", "    .globl _start", "_start:"]
    src += code
    src += ["    csrwi frm, 0",
            "    la s0, %s_data" % P, "    la s1, %s_data_end" % P,
            "2:  li a7, 64", "    li a0, 1", "    mv a1, s0", "    sub a2, s1, s0", "    ecall",
            "    blez a0, 3f", "    add s0, s0, a0", "    bltu s0, s1, 2b",
            "3:  li a7, 93", "    li a0, 0", "    ecall",
            "    .data", "    .align 3", "%s_data:" % P]
    src += emit_data(tables, P)
    src += ["%s_data_end:" % P]
    asm = os.path.join(tmp, "oracle_%s.S" % P)
    exe = os.path.join(tmp, "oracle_%s" % P)
    with open(asm, "w") as f:
        f.write("\n".join(src) + "\n")
    subprocess.run(["riscv64-linux-gnu-gcc", "-march=rv64imafdc", "-mabi=lp64", "-nostdlib", "-static",
                    "-o", exe, asm], check=True)
    raw = subprocess.run(["qemu-riscv64", exe], check=True, stdout=subprocess.PIPE).stdout
    size = sum(8 * (len(t.srcs) + 2) * len(t.rows) for t in tables)
    if len(raw) != size:
        sys.exit("oracle wrote %d bytes, expected %d" % (len(raw), size))
    res = []
    off = 0
    for t in tables:
        n = len(t.srcs)
        for _ in t.rows:
            exp, fl = struct.unpack_from("<2Q", raw, off + 8 * n)
            res.append((exp, fl))
            off += 8 * (n + 2)
    return res


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    srcdir = os.path.join(here, "..", "src")
    with tempfile.TemporaryDirectory() as tmp:
        for P in ["s", "d"]:
            tables = build_tables(P)
            if len(tables) > 250:
                sys.exit("too many tables for 8-bit test numbers")
            results = run_oracle(tables, P, tmp)
            lines = ["/* Generated by gen/fp_vectors.py from QEMU's results: do not edit. */",
                     "/* %d tables, %d rows: the operands, the expected result, the expected fflags */"
                     % (len(tables), sum(len(t.rows) for t in tables)),
                     "    .text", "fp_tables:", "    addi sp, sp, -16", "    sd ra, 0(sp)"]
            lines += emit_code(tables, P, check=True)
            lines += ["    ld ra, 0(sp)", "    addi sp, sp, 16", "    ret", "    .data", "    .align 3"]
            lines += emit_data(tables, P, results)
            path = os.path.join(srcdir, "fp_arith_%s_gen.inc" % P)
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            print("wrote %s: %d tables, %d rows" % (os.path.relpath(path), len(tables),
                                                     sum(len(t.rows) for t in tables)))


if __name__ == "__main__":
    main()
