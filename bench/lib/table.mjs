// The printed table: one line per metric, medians with [min–max] over the runs, and wasmvirt/QEMU of the medians.
import { fmt, fmtSummary, summarize } from "./stats.mjs";

/** Adds summaries and the ratio to a part's rows (for the table and the JSON). */
export function summarizeRows(rows) {
  return rows.map((r) => {
    const w = summarize(r.wasmvirt);
    const q = summarize(r.qemu);
    const ratio = w.median !== undefined && q.median !== undefined && q.median !== 0 ? w.median / q.median : undefined;
    return { ...r, summary: { wasmvirt: w, qemu: q }, ratio };
  });
}

function render(cells, aligns) {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    `| ${row.map((c, i) => (aligns[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (aligns[i] === "r" ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

/**
 * @param {{part: string, rows: ReturnType<typeof summarizeRows>}[]} parts
 * @param {string|undefined} qemuNote  text for the QEMU column when QEMU did not run
 */
export function formatTable(parts, qemuNote) {
  const cells = [["part", "metric", "unit", "wasmvirt", "QEMU 7.2", "wasmvirt/QEMU", "wasmvirt is"]];
  for (const p of parts) {
    for (const r of p.rows) {
      const w = r.summary.wasmvirt;
      const q = r.summary.qemu;
      if (w.n === 0 && q.n === 0) continue; // e.g. CPU time without GNU time
      let ratio = "—";
      let verdict = "";
      if (r.ratio !== undefined) {
        // Say which way is better, so that 0.10 for MIPS and 10 for seconds both read "10× slower".
        const slower = r.better === "higher" ? r.ratio < 1 : r.ratio > 1;
        const factor = r.ratio >= 1 ? r.ratio : 1 / r.ratio;
        ratio = fmt(r.ratio);
        verdict = factor < 1.005 ? "the same" : `${fmt(factor)}× ${slower ? "slower" : "faster"}`;
      }
      cells.push([
        p.part,
        r.metric,
        r.unit,
        fmtSummary(w),
        qemuNote && q.n === 0 ? qemuNote : fmtSummary(q),
        ratio,
        verdict,
      ]);
    }
  }
  return render(cells, ["l", "l", "l", "r", "r", "r", "r"]);
}
