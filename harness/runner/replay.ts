/** The command line that reruns one check exactly as it ran, printed beside every randomised failure. */

export interface ReplayOptions {
  /** The run used grading's number of cases, so the replay must too. */
  readonly thorough?: boolean;
  /** The checkout the file came from, when it is not the candidate's own working copy. */
  readonly candidateDir?: string;
}

/** `kata test <slug> --only <id> --seed=<n>`: the `=` form parses for negative seeds too. */
export function replayCommand(slug: string, checkId: string, seed: number, options: ReplayOptions = {}): string {
  const candidate = options.candidateDir === undefined ? '' : ` --candidate ${shellWord(options.candidateDir)}`;
  return `kata test ${slug}${candidate} --only ${checkId} --seed=${seed}${options.thorough ? ' --thorough' : ''}`;
}

function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
