/** Placeholder replaced by the grader: `kata grade`. */
import { UsageError, type Command } from './command.ts';

export const gradeCommand: Command = {
  name: 'grade',
  summary: 'score katas against the evaluation checklist',
  usage: 'kata grade [--solutions] [--candidate DIR] [--json FILE]',
  async run() {
    throw new UsageError('kata grade: not available yet');
  },
};
