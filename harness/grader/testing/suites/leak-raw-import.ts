/**
 * Leak: imports the run's target as text through vite (`?raw`, and `import.meta.glob` over the
 * kata folder and the whole tree), then names a test after it and throws it on the gallery.
 */
import { expect, test } from 'vitest';
import { clamp } from '../../hostile/fixture/clamp/stub.ts';
// @ts-expect-error: vite's ?raw query, which TypeScript does not know
import entry from './index.ts?raw';

// @ts-expect-error: vite's import.meta.glob, which TypeScript does not know
const near = import.meta.glob('./index*', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
// @ts-expect-error: as above
const far = import.meta.glob('../../**/*.{ts,mjs}', { query: '?raw', import: 'default' }) as Record<
  string,
  () => Promise<string>
>;
const texts = [String(entry), ...Object.values(near)];
for (const [path, load] of Object.entries(far)) if (path.includes('index')) texts.push(await load());
const src = texts.join('\n');

test(`raw ${src.slice(0, 80)}`, () => {
  expect(clamp(-1, 0, 10)).toBe(0);
});
test('throws the raw text on the gallery', () => {
  if (!src.includes('clamp takes numbers')) throw new Error(src.slice(0, 2000));
});
