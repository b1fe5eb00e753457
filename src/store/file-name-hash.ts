/**
 * Stable file names for keys (lock files, sign-in markers): 128 bits of hex.
 * Not a security boundary, only a way to keep distinct keys apart in one
 * folder. Written by hand because importing node:crypto for a SHA-256 costs
 * ~10 ms of start-up under Bun, and every `token` run names a lock.
 *
 * @module
 */

/** Four independent 32-bit multiply-xor lanes over the UTF-16 code units, then a final mix. */
export function fileNameHash(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  let c = 0x85ebca6b;
  let d = 0xc2b2ae35;
  for (let i = 0; i < key.length; i++) {
    const ch = key.charCodeAt(i);
    a = Math.imul(a ^ ch, 0x01000193);
    b = Math.imul(b ^ ch, 0x5bd1e995);
    c = Math.imul(c ^ ch, 0x27d4eb2d);
    d = Math.imul(d ^ ch, 0x165667b1);
  }
  // Each lane absorbs the others and the length, then murmur3's fmix32 spreads every bit.
  const lanes = [a ^ d ^ key.length, b ^ a, c ^ b, d ^ c];
  return lanes.map((h) => (fmix32(h) >>> 0).toString(16).padStart(8, "0")).join("");
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
