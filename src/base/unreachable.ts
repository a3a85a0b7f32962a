// The default branch of an exhaustive switch. TypeScript checks at compile time that `value` has
// type never, i.e. that every case of the union is handled; reaching it at run time means a value
// came from outside the types (a bug in finack), so it throws with what the value was.

/** Marks the end of an exhaustive switch over `what` (used in the message: 'state', 'timer'). */
export function unreachable(value: never, what = 'value'): never {
  throw new Error(`finack internal error: unknown ${what} ${String(value)}`);
}
