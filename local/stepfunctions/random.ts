/** A seedable PRNG (mulberry32), so alias traffic splits can be replayed in tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks an entry with probability proportional to its weight (weights sum to 100). */
export function pickByWeight<T extends { readonly weight: number }>(
  entries: readonly T[],
  random: () => number,
): T {
  let roll = random() * 100;
  for (const entry of entries) {
    if (roll < entry.weight) return entry;
    roll -= entry.weight;
  }
  // Only reachable through rounding; the last entry with weight wins.
  return [...entries].reverse().find((e) => e.weight > 0) ?? entries[entries.length - 1]!;
}
