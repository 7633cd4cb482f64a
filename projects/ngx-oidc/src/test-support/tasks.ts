/** Lets the tasks queued so far run (a BroadcastChannel delivery, a fetch answer). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Lets queued tasks run until `condition` holds (at most 100 tasks): a state, not a duration. */
export async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return;
    await tick();
  }
  throw new Error('condition not reached');
}
