// Seeded PRNG (xoshiro128**, seeded through splitmix32): the same seed gives the same program
// on every machine and Node version.
export class Prng {
  constructor(seed) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = [next(), next(), next(), next()];
    if (this.s.every((x) => x === 0)) this.s[0] = 1;
  }
  /** 32 random bits */
  u32() {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  /** integer in [0, n) */
  int(n) {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }
  /** integer in [lo, hi] */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.u32() / 2 ** 32 < p;
  }
  pick(arr) {
    return arr[this.int(arr.length)];
  }
  u64() {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  /** pick from [[weight, value], ...] */
  weighted(table) {
    const total = table.reduce((a, [w]) => a + w, 0);
    let r = (this.u32() / 2 ** 32) * total;
    for (const [w, v] of table) {
      if ((r -= w) < 0) return v;
    }
    return table[table.length - 1][1];
  }
}
function rotl(x, k) {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
