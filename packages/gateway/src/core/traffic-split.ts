/**
 * Which route of a traffic split takes a request: `random` in [0, 1) falls into one of the
 * percent bands in order (hello-00001 50, hello-00002 50: below 0.5 → the first). Percents that do
 * not add up to 100 are scaled to their sum; all zero → undefined.
 */
export function pickSplit(split: readonly { percent: number; key: string }[], random: number): string | undefined {
  const total = split.reduce((sum, s) => sum + Math.max(0, s.percent), 0);
  if (total <= 0) return undefined;
  let point = random * total;
  for (const s of split) {
    if (s.percent <= 0) continue;
    if (point < s.percent) return s.key;
    point -= s.percent;
  }
  return split.filter((s) => s.percent > 0).at(-1)?.key;
}
