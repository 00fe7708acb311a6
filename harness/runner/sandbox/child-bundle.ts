/**
 * The runner's child process as one plain ES module, bundled once per process with esbuild.
 *
 * Starting the child through tsx cost about 0.9 s per run here (its module hooks run for every
 * file vitest loads); the bundle starts in plain Node. vitest stays an external import, pinned to
 * the absolute path this tree resolves, so the bundle can be written anywhere.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const childFile = fileURLToPath(new URL('../child.ts', import.meta.url));

let bundle: Promise<string> | undefined;

export function childBundle(): Promise<string> {
  bundle ??= bundleChild().catch((error: unknown) => {
    bundle = undefined;
    throw error;
  });
  return bundle;
}

async function bundleChild(): Promise<string> {
  const result = await build({
    entryPoints: [childFile],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'vitest-by-absolute-path',
        setup(builder) {
          builder.onResolve({ filter: /^vitest(\/.*)?$/ }, (args) => ({
            path: import.meta.resolve(args.path),
            external: true,
          }));
        },
      },
    ],
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${childFile}`);
  return output.text;
}
