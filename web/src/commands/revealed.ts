/**
 * The commands of a history entry with the secrets they mask in clear, for a copy the user
 * reveals. Kept in memory only, beside the entry rather than in it: whatever stores the
 * history (the browser's storage, an export) never sees them, and an entry restored from
 * storage has none to reveal.
 */
const revealed = new WeakMap<object, string[]>();

export function keepRevealed(entry: object, commands: string[]): void {
  revealed.set(entry, commands);
}

/** The entry's commands with their secrets in clear; undefined when it masks none or they are gone. */
export function revealedOf(entry: object): string[] | undefined {
  return revealed.get(entry);
}
