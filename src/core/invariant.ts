/** Asserts an internal invariant of the core. Failing means a bug in fairway, never bad input. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`fairway invariant violated: ${message}`);
}
