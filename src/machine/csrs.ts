// The RISC-V CSRs by name and number: the one place the host names them. Which of them a hart
// really has is the core's answer (its CSR file, probed with the debugger's read), never this
// list: the debugger's target description (src/gdb/target-xml.ts) lists the named CSRs the core
// implements, and an implemented CSR without a name here is shown as csrNNN, as QEMU does.

export interface CsrName {
  name: string;
  number: number;
  /**
   * false: QEMU 7.2 leaves it out of its gdb target description (its CSR predicates run before
   * the hart's reset, in U-mode with the FPU off and no timer yet); gdb still reads it by number.
   */
  inTargetDescription?: false;
}

const hidden = { inTargetDescription: false } as const;
const range = (prefix: string, first: number, count: number, base: number, extra: Partial<CsrName> = {}): CsrName[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}${first + i}`, number: base + i, ...extra }));

export const CSRS: readonly CsrName[] = [
  // Unprivileged floating-point and counters.
  { name: "fflags", number: 0x001, ...hidden },
  { name: "frm", number: 0x002, ...hidden },
  { name: "fcsr", number: 0x003, ...hidden },
  { name: "cycle", number: 0xc00, ...hidden },
  { name: "time", number: 0xc01, ...hidden },
  { name: "instret", number: 0xc02, ...hidden },
  ...range("hpmcounter", 3, 29, 0xc03, hidden),
  // Supervisor.
  { name: "sstatus", number: 0x100 },
  { name: "sie", number: 0x104 },
  { name: "stvec", number: 0x105 },
  { name: "scounteren", number: 0x106 },
  { name: "senvcfg", number: 0x10a },
  { name: "sscratch", number: 0x140 },
  { name: "sepc", number: 0x141 },
  { name: "scause", number: 0x142 },
  { name: "stval", number: 0x143 },
  { name: "sip", number: 0x144 },
  { name: "stimecmp", number: 0x14d, ...hidden },
  { name: "satp", number: 0x180 },
  // Virtual supervisor and hypervisor (H extension).
  { name: "vsstatus", number: 0x200 },
  { name: "vsie", number: 0x204 },
  { name: "vstvec", number: 0x205 },
  { name: "vsscratch", number: 0x240 },
  { name: "vsepc", number: 0x241 },
  { name: "vscause", number: 0x242 },
  { name: "vstval", number: 0x243 },
  { name: "vsip", number: 0x244 },
  { name: "vsatp", number: 0x280 },
  { name: "hstatus", number: 0x600 },
  { name: "hedeleg", number: 0x602 },
  { name: "hideleg", number: 0x603 },
  { name: "hie", number: 0x604 },
  { name: "htimedelta", number: 0x605 },
  { name: "hcounteren", number: 0x606 },
  { name: "hgeie", number: 0x607 },
  { name: "henvcfg", number: 0x60a },
  { name: "htval", number: 0x643 },
  { name: "hip", number: 0x644 },
  { name: "hvip", number: 0x645 },
  { name: "htinst", number: 0x64a },
  { name: "hgatp", number: 0x680 },
  { name: "hgeip", number: 0xe12 },
  // Machine.
  { name: "mstatus", number: 0x300 },
  { name: "misa", number: 0x301 },
  { name: "medeleg", number: 0x302 },
  { name: "mideleg", number: 0x303 },
  { name: "mie", number: 0x304 },
  { name: "mtvec", number: 0x305 },
  { name: "mcounteren", number: 0x306 },
  { name: "menvcfg", number: 0x30a },
  { name: "mcountinhibit", number: 0x320 },
  ...range("mhpmevent", 3, 29, 0x323),
  { name: "mscratch", number: 0x340 },
  { name: "mepc", number: 0x341 },
  { name: "mcause", number: 0x342 },
  { name: "mtval", number: 0x343 },
  { name: "mip", number: 0x344 },
  { name: "mtinst", number: 0x34a },
  { name: "mtval2", number: 0x34b },
  ...range("pmpcfg", 0, 16, 0x3a0),
  ...range("pmpaddr", 0, 64, 0x3b0),
  { name: "tselect", number: 0x7a0 },
  { name: "tdata1", number: 0x7a1 },
  { name: "tdata2", number: 0x7a2 },
  { name: "tdata3", number: 0x7a3 },
  { name: "tinfo", number: 0x7a4 },
  { name: "mcycle", number: 0xb00 },
  { name: "minstret", number: 0xb02 },
  ...range("mhpmcounter", 3, 29, 0xb03),
  { name: "mvendorid", number: 0xf11 },
  { name: "marchid", number: 0xf12 },
  { name: "mimpid", number: 0xf13 },
  { name: "mhartid", number: 0xf14 },
  { name: "mconfigptr", number: 0xf15 },
];

const byNumber = new Map(CSRS.map((c) => [c.number, c]));
const byName = new Map(CSRS.map((c) => [c.name, c]));

export function csrByNumber(n: number): CsrName | undefined {
  return byNumber.get(n);
}
export function csrByName(name: string): CsrName | undefined {
  return byName.get(name);
}
/** The name QEMU shows for CSR n: its standard name, or csrNNN (three hex digits). */
export function csrName(n: number): string {
  return byNumber.get(n)?.name ?? `csr${n.toString(16).padStart(3, "0")}`;
}
