// How a script run stops early: a ScriptFailure carries the result's status, the script line, the
// reason and, for a script that needs something finack does not have, the name of that thing (a
// system call, a socket option, a symbol, a tcp_info field ...), so that a directory run can count
// what was missing across its scripts.

export type ScriptStatus = 'pass' | 'fail' | 'error' | 'unsupported';

export class ScriptFailure extends Error {
  readonly line: number | undefined;
  readonly status: ScriptStatus;
  readonly detail: string[];
  /** For status 'unsupported': what was missing, as `syscall epoll_create`, `setsockopt TCP_CORK`. */
  readonly feature: string | undefined;
  constructor(status: ScriptStatus, line: number | undefined, reason: string, detail: string[] = [], feature?: string) {
    super(reason);
    this.status = status;
    this.line = line;
    this.detail = detail;
    this.feature = feature;
  }
}

/** A script that needs `feature`, which finack does not provide: the message names it. */
export function unsupported(line: number | undefined, feature: string, why = ''): ScriptFailure {
  return new ScriptFailure('unsupported', line, `unsupported: ${feature}${why ? ` (${why})` : ''}`, [], feature);
}
