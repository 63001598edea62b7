/**
 * The results files of a batch folder (`results.jsonl`, `results.shard-i-of-N.jsonl`): records are
 * only ever appended, one complete line per write, so that concurrent runs into one folder never
 * lose each other's records; reading skips (and reports) lines a crash or a full disk cut short.
 */
import { existsSync } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { latestRecords, parseRecordLines, type BatchRecord } from './record.js';
import { fsErrorReason } from '../core/fs-error-reason.js';

/** Results files of a batch folder: `results.jsonl` and `results.shard-*.jsonl`. */
export const RESULTS_FILE_RE = /^results.*\.jsonl$/;

/**
 * Append one record to a results file as one line with a single write, then fsync. When the file
 * does not end with a newline (a line cut short by a crash), the record starts on a new line so it
 * is never glued onto the broken one.
 * @throws Error `cannot append to '<path>': <reason>` (e.g. no space left on device; no errno text)
 */
export async function appendRecord(path: string, record: BatchRecord): Promise<void> {
  try {
    const fh = await open(path, 'a+');
    try {
      const { size } = await fh.stat();
      let lead = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        await fh.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) lead = '\n';
      }
      const bytes = Buffer.from(lead + JSON.stringify(record) + '\n', 'utf8');
      // O_APPEND: one write of one line lands whole at the end, also with concurrent appenders
      const { bytesWritten } = await fh.write(bytes, 0, bytes.length);
      if (bytesWritten !== bytes.length) throw new Error(`short write (${bytesWritten} of ${bytes.length} bytes)`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    // "no space left on device", not Node's "ENOSPC: no space left on device, write"
    throw new Error(`cannot append to '${path}': ${fsErrorReason(err)}`, { cause: err });
  }
}

/** A results-file line that was skipped. */
export interface SkippedLine {
  file: string;
  line: number;
  reason: string;
}

/** Every record of every results file of `outRoot` (unmerged, file by file), and the skipped lines. */
export async function readResultsFiles(outRoot: string): Promise<{ files: string[]; records: BatchRecord[]; skipped: SkippedLine[] }> {
  const files = existsSync(outRoot) ? (await readdir(outRoot)).filter((f) => RESULTS_FILE_RE.test(f)).sort() : [];
  const records: BatchRecord[] = [];
  const skipped: SkippedLine[] = [];
  for (const f of files) {
    const file = join(outRoot, f);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      skipped.push({ file, line: 0, reason: `unreadable: ${(err as Error).message}` });
      continue;
    }
    const parsed = parseRecordLines(text);
    records.push(...parsed.records);
    for (const b of parsed.broken) skipped.push({ file, line: b.line, reason: b.reason });
  }
  return { files, records, skipped };
}

/** The warning line for a skipped line: `<file> line <n>: broken record skipped (<reason>)`. */
export function skippedLineMessage(s: SkippedLine): string {
  return s.line > 0 ? `${s.file} line ${s.line}: broken record skipped (${s.reason})` : `${s.file}: skipped (${s.reason})`;
}

/**
 * All records of a batch folder: every results file merged, one record per map (the most recently
 * finished wins), sorted by id. Broken lines are skipped and passed to `onWarning`.
 * @throws Error when the folder does not exist or holds no results file
 */
export async function readBatchRecords(outRoot: string, onWarning?: (message: string) => void): Promise<BatchRecord[]> {
  if (!existsSync(outRoot)) throw new Error(`batch folder '${outRoot}' not found`);
  const { files, records, skipped } = await readResultsFiles(outRoot);
  if (files.length === 0) throw new Error(`no results*.jsonl in '${outRoot}': nothing to collect`);
  for (const s of skipped) onWarning?.(skippedLineMessage(s));
  return latestRecords(records);
}
