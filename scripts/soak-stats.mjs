// Least-squares line through (x, y) points, with the standard error of the slope.
// Hand-written: it is ten lines of arithmetic, and the soak verdict depends on reading it.

/**
 * @param {{ x: number, y: number }[]} points at least 3, with at least two distinct x
 * @returns {{ slope: number, intercept: number, stdError: number, n: number }}
 */
export function fitLine(points) {
  const n = points.length;
  if (n < 3) throw new Error(`need at least 3 samples to fit a line with an error, got ${n}`);
  let meanX = 0;
  let meanY = 0;
  for (const { x, y } of points) {
    meanX += x / n;
    meanY += y / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (const { x, y } of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
  }
  if (sxx === 0) throw new Error('all samples have the same request count; no slope can be fitted');
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let residuals = 0;
  for (const { x, y } of points) residuals += (y - (intercept + slope * x)) ** 2;
  // Standard error of the slope: sqrt(s² / Sxx) with s² the residual variance (n − 2 dof).
  const stdError = Math.sqrt(residuals / (n - 2) / sxx);
  return { slope, intercept, stdError, n };
}
