// The RISC-V CSRs by name and number (csrs.json, which the core's CSR file reads too, as generated
// CSR_<NAME> constants): the one place they are named. Which of them a hart
// really has is the core's answer (its CSR file, probed with the debugger's read), never this
// list: the debugger's target description (src/gdb/target-xml.ts) lists the named CSRs the core
// implements, and an implemented CSR without a name here is shown as csrNNN, as QEMU does.

import csrTable from "./csrs.json" with { type: "json" };

export interface CsrName {
  name: string;
  number: number;
  /**
   * false: QEMU 7.2 leaves it out of its gdb target description (its CSR predicates run before
   * the hart's reset, in U-mode with the FPU off and no timer yet); gdb still reads it by number.
   */
  inTargetDescription?: false;
}

interface CsrRow {
  name?: string;
  range?: string;
  first?: number;
  count?: number;
  number?: string;
  inTargetDescription?: boolean;
}

/** Every named CSR of csrs.json, ranges expanded. */
export const CSRS: readonly CsrName[] = (csrTable.csrs as CsrRow[]).flatMap((r): CsrName[] => {
  if (r.number === undefined) return []; // a group heading
  const extra = r.inTargetDescription === false ? { inTargetDescription: false as const } : {};
  const base = Number(r.number);
  if (r.range !== undefined) {
    return Array.from({ length: r.count! }, (_, i) => ({
      name: `${r.range}${r.first! + i}`,
      number: base + i,
      ...extra,
    }));
  }
  return [{ name: r.name!, number: base, ...extra }];
});

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
