/**
 * A/B arithmetic for `npm run dev:mock`, the same as src-tauri/core/src/abtest.rs: the Wilson
 * 95 % interval and the pooled two-proportion z-test (two-sided).
 */
import type { VariantComparison } from '../lib/types';

const Z95 = 1.959963984540054;

export function wilson(successes: number, trials: number): [number, number] {
  if (trials <= 0) return [0, 0];
  const n = trials;
  const p = Math.min(Math.max(successes, 0), trials) / n;
  const z2 = Z95 * Z95;
  const denom = 1 + z2 / n;
  const centre = p + z2 / (2 * n);
  const spread = Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, (centre - spread) / denom), Math.min(1, (centre + spread) / denom)];
}

/** Numerical Recipes' `erfcc`, to about 1e-7. */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(poly);
  return x >= 0 ? r : 2 - r;
}

export function compare(s1: number, n1: number, s2: number, n2: number): VariantComparison | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (s1 + s2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, p_value: 1, significant: false };
  const z = (s1 / n1 - s2 / n2) / se;
  const p_value = erfc(Math.abs(z) / Math.SQRT2);
  return { z, p_value, significant: p_value < 0.05 };
}
