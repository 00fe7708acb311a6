/**
 * The candidate's own clamp for the leak suites: correct, and worded unlike the reference, so that
 * what a report shows of it (their own code) is never mistaken for the reference's text.
 */
export function clamp(value: number, min: number, max: number): number {
  if ([value, min, max].some((n) => n !== n)) throw new RangeError('NaN given');
  if (min > max) throw new RangeError('bounds inverted');
  if (value < min) return min;
  if (value > max) return max;
  return value;
}
