// An SVG chart beside the results JSON: per part and metric, wasmvirt/QEMU (the ratio, with 1.0 marked;
// bars oriented so that right of the line is better for wasmvirt), and the same ratio in earlier result
// files of the same folder (one dot per file, oldest faintest) when there are any.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Earlier results (wasmvirt-bench/1 JSON files in `dir`, other than `current`), oldest first. */
export function loadHistory(dir, current) {
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    const p = join(dir, f);
    if (resolve(p) === resolve(current)) continue;
    try {
      const j = JSON.parse(readFileSync(p, "utf8"));
      if (j.format === "wasmvirt-bench/1" && Array.isArray(j.parts))
        out.push({ file: f, date: j.date, commit: j.machine?.gitCommit, parts: j.parts });
    } catch {
      /* not a results file */
    }
  }
  return out.sort((a, b) => String(a.date).localeCompare(String(b.date)));
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** "How many times better is wasmvirt": ratio for higher-is-better metrics, 1/ratio for lower-is-better. */
function advantage(row) {
  if (row.ratio === undefined || !(row.ratio > 0)) return undefined;
  return row.better === "higher" ? row.ratio : 1 / row.ratio;
}

export function renderChart(json, history) {
  const rows = [];
  for (const p of json.parts)
    for (const r of p.rows ?? []) {
      const a = advantage(r);
      if (a === undefined) continue;
      const past = history.map((h) => {
        const hp = h.parts.find((x) => x.part === p.part);
        const hr = hp?.rows?.find((x) => x.metric === r.metric);
        return hr ? advantage(hr) : undefined;
      });
      rows.push({ label: `${p.part}: ${r.metric}`, a, ratio: r.ratio, past });
    }
  const W = 980,
    labelW = 430,
    barW = W - labelW - 90,
    rowH = 22,
    top = 56;
  const H = top + rows.length * rowH + 40;
  // Log scale from 1/16 to 16: 1.0 (parity) in the middle.
  const x = (v) => labelW + barW / 2 + (Math.log2(Math.min(16, Math.max(1 / 16, v))) / 4) * (barW / 2);
  const parts = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(
    `<text x="10" y="20" font-size="14" font-weight="bold">wasmvirt vs QEMU 7.2 — ${esc(json.date)} (${esc(json.machine?.gitCommit?.slice(0, 12) ?? "?")})${json.machine?.loaded ? " — machine LOADED" : ""}</text>`,
  );
  parts.push(
    `<text x="10" y="38" fill="#555">bar: how many times better wasmvirt is (right of 1× = faster/smaller); dots: the same in ${history.length} earlier result file(s), older = fainter</text>`,
  );
  for (const t of [1 / 16, 1 / 4, 1, 4, 16]) {
    parts.push(
      `<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${H - 30}" stroke="${t === 1 ? "#000" : "#ddd"}"/>`,
    );
    parts.push(
      `<text x="${x(t)}" y="${H - 14}" text-anchor="middle" fill="#555">${t >= 1 ? `${t}×` : `1/${1 / t}×`}</text>`,
    );
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const x0 = x(1),
      x1 = x(r.a);
    parts.push(`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(
      `<rect x="${Math.min(x0, x1)}" y="${y + 3}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 8}" fill="${r.a >= 1 ? "#3a8" : "#d64"}"/>`,
    );
    parts.push(
      `<text x="${W - 80}" y="${y + 14}">${r.a >= 1 ? r.a.toFixed(2) + "× better" : (1 / r.a).toFixed(2) + "× worse"}</text>`,
    );
    r.past.forEach((v, k) => {
      if (v === undefined) return;
      const op = 0.25 + 0.6 * ((k + 1) / r.past.length);
      parts.push(`<circle cx="${x(v)}" cy="${y + rowH / 2 - 1}" r="3" fill="#236" fill-opacity="${op.toFixed(2)}"/>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
