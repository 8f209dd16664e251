/**
 * `import(name)` with the name as a plain string, so tsc neither resolves the module nor needs its
 * build: a bench declares the slice of the API it relies on and casts to that, and a cell that
 * measures import cost loads the package exactly as a user's code would.
 */
export function importByName(name: string): Promise<unknown> {
  return import(name);
}
