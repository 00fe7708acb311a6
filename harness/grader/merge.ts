/**
 * Shard reports put together. Each shard's report holds its candidates' full reports, already
 * scored, and the code of their submissions as the similarity measure reads it; the merge ranks
 * all the candidates together and compares every pair across shards, through the same functions
 * grading uses (batch.ts), so the result is the batch one run over the whole folder writes (its
 * times aside: each candidate keeps the time it was graded, the batch the latest).
 *
 * Nothing is trusted about the files but their shape: each must be a shard report of this
 * schema version, all of one split (same number of shards, every shard once), of the same
 * grader version and the same katas, and no candidate may appear twice.
 */
import { readFileSync } from 'node:fs';
import { assembleBatch, type SubmissionPrint } from './batch.ts';
import { BATCH_SCHEMA, SCHEMA_VERSION, type BatchReport, type GradeReport, type GraderInfo } from './report.ts';
import { validate, type Schema } from './schema-check.ts';
import { fingerprintOfCode } from './similarity.ts';

export class MergeError extends Error {
  readonly code = 'ERR_KATA_MERGE';

  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

export interface ShardFile {
  /** Where it came from, for the messages. */
  readonly file: string;
  /** The parsed JSON. */
  readonly report: unknown;
}

type ShardReport = BatchReport & { readonly shard: NonNullable<BatchReport['shard']> };

let schema: Schema | undefined;
function reportSchema(): Schema {
  schema ??= JSON.parse(readFileSync(new URL('./report.schema.json', import.meta.url), 'utf8')) as Schema;
  return schema;
}

function asShard(file: string, value: unknown): ShardReport {
  const report = value as Partial<BatchReport> | null;
  if (report === null || typeof report !== 'object' || report.schema !== BATCH_SCHEMA) {
    throw new MergeError(`${file} is not a batch report (its "schema" is not "${BATCH_SCHEMA}")`);
  }
  if (report.schemaVersion !== SCHEMA_VERSION) {
    throw new MergeError(
      `${file} is of report version ${String(report.schemaVersion)}; this grader merges version ${SCHEMA_VERSION}: grade it again with this version`,
    );
  }
  if (report.shard === undefined) {
    throw new MergeError(`${file} is the report of a whole batch, not of a shard (kata grade --shard i/n --json FILE)`);
  }
  const problems = validate(reportSchema(), value);
  if (problems.length > 0) {
    throw new MergeError(
      `${file} does not match the report schema: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`,
    );
  }
  return value as ShardReport;
}

function combined(values: readonly string[]): string {
  return [...new Set(values)].join(', ');
}

export function mergeShards(files: readonly ShardFile[]): BatchReport {
  if (files.length === 0) throw new MergeError('no shard reports given');
  const shards = files.map(({ file, report }) => ({ file, report: asShard(file, report) }));
  const first = shards[0]!;
  const count = first.report.shard.count;
  const byIndex = new Map<number, string>();
  for (const { file, report } of shards) {
    const { index } = report.shard;
    if (report.shard.count !== count) {
      throw new MergeError(
        `${file} is shard ${index}/${report.shard.count}, but ${first.file} is one of ${count}: merge the shards of one split`,
      );
    }
    const other = byIndex.get(index);
    if (other !== undefined) throw new MergeError(`${other} and ${file} are both shard ${index}/${count}`);
    byIndex.set(index, file);
    if (report.grader.version !== first.report.grader.version) {
      throw new MergeError(
        `${file} was graded by grader ${report.grader.version}, ${first.file} by ${first.report.grader.version}: grade every shard with the same grader`,
      );
    }
    if (report.shard.katas.join(',') !== first.report.shard.katas.join(',')) {
      throw new MergeError(
        `${file} graded ${report.shard.katas.join(', ') || 'no kata'}, ${first.file} ${first.report.shard.katas.join(', ') || 'no kata'}: grade every shard on the same katas`,
      );
    }
    if (report.katasGiven !== first.report.katasGiven) {
      throw new MergeError(`${file} and ${first.file} differ in whether --kata was given: grade every shard alike`);
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !byIndex.has(index));
  if (missing.length > 0) {
    throw new MergeError(
      `shard${missing.length === 1 ? '' : 's'} ${missing.map((index) => `${index}/${count}`).join(', ')} missing: a merge needs every shard, or candidates would be left out of the ranking`,
    );
  }
  const ordered = [...shards].sort((a, b) => a.report.shard.index - b.report.shard.index);

  const reports: GradeReport[] = [];
  const seen = new Map<string, string>();
  for (const { file, report } of ordered) {
    for (const candidate of report.candidates) {
      const earlier = seen.get(candidate.name);
      if (earlier !== undefined)
        throw new MergeError(`candidate "${candidate.name}" is in both ${earlier} and ${file}`);
      seen.set(candidate.name, file);
      reports.push(candidate);
    }
  }
  const prints: SubmissionPrint[] = ordered.flatMap(({ report }) =>
    report.shard.submissions.map((entry) => ({
      candidate: entry.candidate,
      kata: entry.kata,
      fingerprint: fingerprintOfCode(entry.code),
    })),
  );
  const graders = ordered.map(({ report }) => report.grader);
  const grader: GraderInfo = {
    version: first.report.grader.version,
    node: combined(graders.map((entry) => entry.node)),
    platform: combined(graders.map((entry) => entry.platform)),
    isolation: combined(graders.flatMap((entry) => entry.isolation.split(', '))),
  };
  const generatedAt = ordered.map(({ report }) => report.generatedAt).reduce((a, b) => (b > a ? b : a));
  return assembleBatch({
    reports,
    katas: first.report.shard.katas,
    prints,
    grader,
    generatedAt,
    katasGiven: first.report.katasGiven,
  });
}
