/**
 * Values a handler (or a caller of fail) throws, with what lastError must say of each: Errors and
 * their subclasses by their message, anything else as String(value). Indexed, so a worker thread
 * can be told which one to throw.
 */

export interface Thrown {
  readonly label: string;
  make(): unknown;
}

class SmtpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SmtpError';
  }
}

export const THROWN_VALUES: readonly Thrown[] = [
  { label: "new Error('SMTP 421')", make: () => new Error('SMTP 421') },
  { label: "new TypeError('bad address')", make: () => new TypeError('bad address') },
  { label: "new Error('')", make: () => new Error('') },
  { label: "a subclass of Error ('mailbox full')", make: () => new SmtpError('mailbox full') },
  { label: "'timeout' (a string)", make: () => 'timeout' },
  { label: '42 (a number)', make: () => 42 },
  { label: 'undefined', make: () => undefined },
  { label: 'null', make: () => null },
  { label: "{ message: 'not an Error' } (a plain object)", make: () => ({ message: 'not an Error' }) },
];
