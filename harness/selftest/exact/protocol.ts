/** Names shared by the gallery:exact command and the vitest file that runs the audit. */
export const EXACT_SLUG_ENV = 'KATA_EXACT_SLUG';
/** Comma-separated wrong-file names (without .ts); unset means every wrong file. */
export const EXACT_ONLY_ENV = 'KATA_EXACT_ONLY';
/** Where the audit writes its report as JSON, for the command to print. */
export const EXACT_REPORT_ENV = 'KATA_EXACT_REPORT';
