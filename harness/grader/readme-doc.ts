/**
 * The kata table of the root README.md, generated from the katas' manifests so it lists exactly
 * the katas `kata list` lists: a test compares them, and
 *
 *   npx tsx harness/grader/readme-doc.ts --write
 *
 * rewrites the generated part (between the markers) after a kata is added or its manifest changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { harnessRoot, listKatas, type Kata } from '../catalog/catalog.ts';

export const README_BEGIN =
  '<!-- BEGIN GENERATED kata table from katas/*/kata.json by harness/grader/readme-doc.ts -->';
export const README_END = '<!-- END GENERATED kata table -->';
export const readmeFile = join(harnessRoot, 'README.md');

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** One row per kata, in the catalogue's order: what `kata list` shows. */
export function renderKataTable(katas: readonly Kata[] = listKatas(harnessRoot)): string {
  const lines = ['| kata | level | minutes | what it is about |', '| --- | --- | ---: | --- |'];
  for (const kata of katas) {
    lines.push(
      `| [${kata.slug}](katas/${kata.slug}/README.md) | ${kata.manifest.difficulty} | ${kata.manifest.minutes} | ${cell(kata.manifest.title)} |`,
    );
  }
  return lines.join('\n');
}

/** The generated part of the README as it is on disk, or undefined when the markers are missing. */
export function generatedTable(doc: string): string | undefined {
  const start = doc.indexOf(README_BEGIN);
  const end = doc.indexOf(README_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return doc.slice(start + README_BEGIN.length, end).trim();
}

export async function updateReadme(file: string = readmeFile): Promise<boolean> {
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf(README_BEGIN);
  const end = doc.indexOf(README_END);
  if (start === -1 || end === -1) throw new Error(`${file}: the markers ${README_BEGIN} and ${README_END} are missing`);
  const spliced = `${doc.slice(0, start + README_BEGIN.length)}\n\n${renderKataTable()}\n\n${doc.slice(end)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  const updated = await prettier.format(spliced, { ...options, filepath: file });
  if (updated === doc) return false;
  writeFileSync(file, updated);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  console.log((await updateReadme()) ? `updated ${readmeFile}` : `${readmeFile} is up to date`);
}
