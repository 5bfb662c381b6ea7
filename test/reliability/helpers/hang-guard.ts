/**
 * Hang detection in real time. Not a speed target: the bound is orders of magnitude above what a
 * case takes, so it only trips when something spins or waits for ever.
 */
export async function withinRealTime<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms of real time`)), ms);
  });
  try {
    return await Promise.race([work, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets pending I/O callbacks and immediates run (a VirtualClock advances in between). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
