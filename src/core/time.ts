// Time in the core is integer milliseconds from an arbitrary epoch chosen by the driver.
// The core never reads a clock: every input carries `now`, and `now` never goes backwards.

/** A point in time, in milliseconds since the driver's epoch. */
export type Instant = number;
/** A length of time in milliseconds. */
export type Duration = number;

export const SECOND: Duration = 1000;
export const MINUTE: Duration = 60 * SECOND;
export const HOUR: Duration = 60 * MINUTE;
