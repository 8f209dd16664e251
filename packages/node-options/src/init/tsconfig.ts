// Makes a package's tsconfig.json extend the matching @heapwise/tsconfig
// preset while keeping its own options: an existing `extends` becomes an
// array with the preset first, so the package's own base still wins.
import { isPresetSpecifier, PRESET_PACKAGE } from '../tsconfig-check.js';
import { parseObject, setProperty } from './jsonc.js';
import { InitError } from './errors.js';

export { PRESET_PACKAGE };
export type PresetKind = 'library' | 'service';

export function presetFor(kind: PresetKind): string {
  return `${PRESET_PACKAGE}/${kind}.json`;
}

function isPreset(value: unknown): boolean {
  return typeof value === 'string' && isPresetSpecifier(value);
}

/** The new text of a tsconfig.json (the same text when it already extends a preset). */
export function extendPreset(relativePath: string, text: string, kind: PresetKind): string {
  const config = parseObject(relativePath, text, true);
  const current = config.extends;
  const preset = presetFor(kind);
  if (current === undefined) return setProperty(text, ['extends'], preset, () => 0);
  if (typeof current === 'string') return isPreset(current) ? text : setProperty(text, ['extends'], [preset, current]);
  if (Array.isArray(current))
    return current.some(isPreset) ? text : setProperty(text, ['extends'], [preset, ...current]);
  throw new InitError(`${relativePath}: "extends" must be a string or an array of strings. Nothing was changed.`);
}
