// Sizes as people write them for machines: `7g`, `512m`, `7GiB`, `7GB`, or plain bytes.
// Units are powers of 1024 (as Docker's --memory and Node's heap flags use them), so `7g` and `7GB`
// both mean 7 × 1024³ bytes: a "7 GB runner" is planned as `--memory 7g`.

export const BYTES_PER_MIB = 1024 * 1024;

const UNIT_EXPONENTS: Record<string, number> = { '': 0, b: 0, k: 1, m: 2, g: 3, t: 4 };

/** Parses a size such as `7g`, `512MiB` or `1073741824`; returns bytes, or undefined when malformed. */
export function parseSizeBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) return undefined;
  const exponent = UNIT_EXPONENTS[(match[2] ?? '').toLowerCase()] ?? 0;
  const bytes = Math.floor(Number(match[1]) * 1024 ** exponent);
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

const BYTES_PER_GIB = 1024 ** 3;

/** `7516192768` → `7 GiB`, `1409286144` → `1344 MiB`: for notes and doctor output. */
export function formatBytes(bytes: number): string {
  if (bytes % BYTES_PER_GIB === 0) return `${bytes / BYTES_PER_GIB} GiB`;
  if (bytes >= 10 * BYTES_PER_GIB) return `${(bytes / BYTES_PER_GIB).toFixed(1)} GiB`;
  return `${Math.floor(bytes / BYTES_PER_MIB)} MiB`;
}

/** `52428800` → `50.0 MiB` (`digits` decimals), `n/a` for a missing figure: for tables of measurements. */
export function formatMiB(bytes: number | undefined, digits = 1): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return 'n/a';
  return `${(bytes / BYTES_PER_MIB).toFixed(digits)} MiB`;
}
