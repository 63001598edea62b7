/**
 * The log panel and the status line: every line with its time and, for job lines, the run id;
 * Clear empties the log, Verbose also shows the detail lines (progress phases). Warnings of a job
 * reach the status line, not only the log.
 */
import { $ } from './dom.js';

/** Level of a log line; `detail` lines are shown only with Verbose ticked. */
export type LogLevel = 'info' | 'warning' | 'error' | 'detail';

/** Append a line to the log; `run` is the job's run id (shown in brackets). */
export function log(level: LogLevel, text: string, run?: string): void {
  const div = document.createElement('div');
  div.className = `line ${level}`;
  const time = new Date().toLocaleTimeString([], { hour12: false });
  const prefix = level === 'warning' ? 'Warning: ' : level === 'error' ? 'Error: ' : '';
  div.textContent = `${time}${run ? ` [${run}]` : ''} ${prefix}${text}`;
  const box = $('log');
  box.append(div);
  box.scrollTop = box.scrollHeight;
}

/** Status of the page's job line. */
export type Status = 'idle' | 'running' | 'done' | 'warning' | 'error' | 'cancelled';

/** Set the status word (and `body[data-job]`, which styles it). */
export function setStatus(s: Status, text: string = s): void {
  document.body.dataset.job = s;
  $('status').textContent = text;
}

/** Show (or clear) the warnings of the last job under the status line. */
export function setStatusWarnings(warnings: readonly string[]): void {
  const ul = $('status-warnings');
  ul.replaceChildren(...warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
}

/** Wire Clear and Verbose. */
export function initLogPanel(): void {
  $('log-clear').addEventListener('click', () => $('log').replaceChildren());
  const verbose = $<HTMLInputElement>('log-verbose');
  const apply = () => $('log').classList.toggle('verbose', verbose.checked);
  verbose.addEventListener('change', apply);
  apply();
}
