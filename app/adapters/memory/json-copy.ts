/** Helpers of the in-memory store. */

/** A JSON copy, as a database would store and return it (drops `undefined`, applies `toJSON`). */
export const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Binary string order, as SQLite compares TEXT. */
export const ascending = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const descending = (a: string, b: string): number => ascending(b, a);
