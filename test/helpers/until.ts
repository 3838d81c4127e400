/**
 * Waits for something observable to become true (a row, a metric, a recorded call), polling every
 * 10 ms. No deadline of its own: the test timeout bounds it, so a busy machine only makes it slower.
 */
export async function until<T>(probe: () => T | Promise<T>): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
