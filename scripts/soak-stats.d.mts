/** Least-squares line through the points, with the standard error of the slope (see soak-stats.mjs). */
export function fitLine(points: { x: number; y: number }[]): {
  slope: number;
  intercept: number;
  stdError: number;
  n: number;
};
