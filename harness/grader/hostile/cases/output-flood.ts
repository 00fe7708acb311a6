/** Hostile: writes megabytes to stdout and stderr on every call, then answers correctly. */
const megabyte = `${'spam '.repeat(204)}\n`.repeat(1024);

function flood(): void {
  for (let index = 0; index < 2; index++) {
    process.stdout.write(megabyte);
    process.stderr.write(megabyte);
    console.log(megabyte);
  }
}

flood();

export function tally(words: readonly string[]): Map<string, number> {
  flood();
  if (!Array.isArray(words)) throw new TypeError('tally expects an array');
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
