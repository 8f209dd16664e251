/**
 * A problem with the user's repository (not a bug in heapwise): the message
 * names the file and what to do, and the CLI exits 2 with it. Thrown before
 * anything is written.
 */
export class InitError extends Error {
  override name = 'InitError';
}
