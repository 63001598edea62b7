/**
 * Writing a run's outputs so that none exists under its final name unless the whole set is
 * complete: each file is written to a hidden temporary name in its folder, every write is
 * checked (short writes continued, errors such as ENOSPC thrown), the data are fsynced, and only
 * when every file of the set is complete are they renamed onto their final names, one set at a
 * time per folder (also between processes: `commit-lock.ts`). On any failure, or on
 * SIGINT/SIGTERM/SIGHUP (see `signal-cleanup.ts`), what this run wrote is removed, with the
 * folders it made.
 *
 * Outputs are also checked against the run's inputs by device and inode (after following links),
 * so no output path, however spelt, can replace an input.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, open, readlink, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileIdentity, sameIdentity } from './file-identity.js';
import { makeOutputFolder, removeWriteProbesSync } from './output-folder.js';
import { acquireCommitLock, releaseCommitLocksSync } from './commit-lock.js';
import { fsErrorReason } from './fs-error-reason.js';
import { specialFileKind } from './regular-file.js';

/** Largest single `write` call (Node's fs rejects lengths over 2³¹ − 1 bytes). */
const MAX_WRITE_BYTES = 1 << 30;

/** Temporary and half-committed files of every live output set of this process. */
const liveFiles = new Set<string>();

/**
 * Folders that live (not yet committed) output sets of this process created: removed, when empty,
 * if the process ends before the set is committed (a signal, `process.exit`). A failed or stopped
 * run had left them behind, empty (sweep, session 51: `locres … -o /full/a/b/` on a full disk).
 */
const liveFolders = new Set<string>();

/**
 * Remove each of `folders` that is empty, innermost first (a longer path before its parent);
 * a folder that holds anything (another run's files) stays.
 * @returns the folders removed or already gone
 */
function removeEmptyFoldersSync(folders: Iterable<string>): string[] {
  const gone: string[] = [];
  for (const f of [...folders].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(f);
      gone.push(f);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') gone.push(f);
    }
  }
  return gone;
}
let exitHooked = false;

/**
 * The commits under way, one map each: final name → the hidden hard link that keeps the file it
 * replaced (the earlier run's output), or undefined when there was none. An interrupted commit
 * puts every earlier file back and removes the new ones, so a signal never leaves a folder holding
 * part of one run and part of another. One map per commit, not one for the process: two sets
 * committing the same final name at once (a library caller's concurrent `writeMrc`) had
 * overwritten each other's entry, and the link of one was never removed (sweep, session 49).
 */
const commits = new Set<Map<string, string | undefined>>();

/** Track a file to remove if the process ends before it is committed (any `process.exit`). */
function track(path: string): void {
  hookExit();
  liveFiles.add(path);
}

function hookExit(): void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => removeLiveOutputsSync());
  }
}

/**
 * Remove, synchronously, every temporary file of this process's output sets, and undo every
 * commit under way (its new files removed, the files they replaced put back). For signal
 * handlers; returns how many new files were removed.
 */
export function removeLiveOutputsSync(): number {
  removeWriteProbesSync();
  let n = 0;
  for (const p of liveFiles) {
    try {
      unlinkSync(p);
      n++;
    } catch {
      // already gone
    }
  }
  liveFiles.clear();
  for (const [final, kept] of [...commits].flatMap((c) => [...c])) {
    try {
      if (kept !== undefined) {
        renameSync(kept, final);
        // a link not yet replaced is the same file as the final name: rename leaves both names
        unlinkSync(kept);
      } else unlinkSync(final);
      n++;
    } catch {
      // not renamed yet, or already gone
    }
  }
  commits.clear();
  releaseCommitLocksSync(); // the lock is in the folder: released before the folder is removed
  // then the folders the uncommitted sets made, now empty (unless another run wrote there)
  removeEmptyFoldersSync(liveFolders);
  liveFolders.clear();
  return n;
}

/**
 * Keep the file now at `final` (if any) under a hidden hard link next to it, and record it in the
 * commit's map `committing` (before the link is made, so that a signal meanwhile removes it too).
 */
async function keepEarlier(final: string, committing: Map<string, string | undefined>): Promise<void> {
  const st = await lstat(final).catch(() => undefined);
  if (!st) {
    committing.set(final, undefined);
    return;
  }
  const kept = `${tempNameFor(final)}.old`;
  committing.set(final, kept);
  try {
    await link(final, kept);
  } catch {
    committing.set(final, undefined); // a file system without hard links: replaced without a way back, as before
  }
}

/**
 * Refuse an output path that names one of `inputs`: the same resolved path, or the same file
 * (device and inode after following links, e.g. `lnk/in.mrc` with `lnk -> .`, or a hard link).
 * @param label how the inputs are called in the message (e.g. "input map")
 * @throws Error `refusing to overwrite <label> '<path>' …`
 */
export async function refuseInputs(path: string, inputs: readonly string[], label = 'input'): Promise<void> {
  if (inputs.length === 0) return;
  const target = resolve(path);
  const id = await fileIdentity(target);
  for (const input of inputs) {
    const p = resolve(input);
    // an output that does not exist yet is no input's file: the inputs are not looked at
    if (p === target || (id !== undefined && sameIdentity(id, await fileIdentity(p)))) {
      throw new Error(`refusing to overwrite ${label} '${input}' (output '${path}' is the same file): choose another output name`);
    }
  }
}

/** Sequential writer into one staged file: every byte is written or an error is thrown. */
export interface OutputWriter {
  /** Append `bytes` (any length; written in chunks of at most 1 GiB, short writes continued). */
  write(bytes: Uint8Array): Promise<void>;
  /** Bytes written so far. */
  readonly bytesWritten: number;
}

/** Options of {@link OutputSet}. */
export interface OutputSetOptions {
  /**
   * Input files that no output may replace, compared by device and inode (after following
   * links) when each output is staged and again just before it is committed.
   */
  protect?: readonly string[];
  /** How inputs are called in the refusal message (default "input"). */
  inputLabel?: string;
}

interface Staged {
  final: string;
  temp: string;
}

/** The hidden temporary name next to `final` (same folder, so the rename is atomic). */
function tempNameFor(final: string): string {
  return join(dirname(final), `.${basename(final)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Write all of `bytes` at `position` (short writes continued, at most 1 GiB a call). */
async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(bytes.length - done, MAX_WRITE_BYTES);
    const { bytesWritten } = await fh.write(bytes, done, length, position + done);
    if (!(bytesWritten > 0)) throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

/**
 * One line for a write failure, in the user's terms: the user's path, never the temporary file's
 * (an unwritable folder such as /proc had given "ENOENT: no such file or directory, open
 * '/proc/.x.mrc.29851….tmp'"); the fs error is the `cause`.
 */
function writeError(path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  // what only a write says in its own words; every other fs error as fsErrorReason words it, without
  // the system call and its (temporary) path
  const reason = code === 'EISDIR' ? 'is a folder' : code === 'ENOTDIR' ? 'a parent is not a folder' : code === 'ENOENT' ? `no file can be created in '${dirname(path)}' (no such file or directory)` : fsErrorReason(err);
  return new Error(`cannot write '${path}': ${reason}`, { cause: err });
}

/**
 * A set of output files committed together.
 *
 * Usage: `const set = new OutputSet({ protect: [input] }); await set.write(p1, …); await
 * set.write(p2, …); await set.commit();` and `await set.abort()` on failure. Writes may run
 * concurrently. Nothing appears under a final name before {@link commit}; if a rename fails
 * during commit, the files this set already renamed are removed again.
 */
export class OutputSet {
  private readonly staged: Staged[] = [];
  private readonly finals = new Set<string>();
  /** Earlier outputs to remove at the commit ({@link retire}), final paths. */
  private readonly retired = new Set<string>();
  /** Those the commit removed. */
  private readonly removedPaths: string[] = [];
  private readonly protect: readonly string[];
  private readonly inputLabel: string;
  private closed = false;
  private committed = false;
  /** Folders this set created (outermost first), removed again unless the set is committed. */
  private readonly madeFolders: string[] = [];
  /**
   * Writes under way. {@link abort} waits for them: with two writes at once (the estimate writes
   * its scale and confidence maps together), one failing on a full disk had the set aborted while
   * the other's temporary file still sat in the folder the set made, so the folder was left
   * behind when the command returned (CI, session 51).
   */
  private readonly writing = new Set<Promise<void>>();

  constructor(options: OutputSetOptions = {}) {
    this.protect = (options.protect ?? []).map((p) => resolve(p));
    this.inputLabel = options.inputLabel ?? 'input';
  }

  /** Final paths staged so far, in staging order. */
  get paths(): string[] {
    return this.staged.map((s) => s.final);
  }

  /**
   * Refuse `path` when it names an input of the set (see {@link refuseInputs}), a symbolic link
   * (also a dangling one), an existing folder, or anything else that is not a regular file (a
   * device such as `/dev/null`, a FIFO, a socket): the commit renames over the name, which would
   * replace the link or the device node itself.
   * @throws Error `refusing to overwrite input '<path>' …`, `cannot write '<path>': is a symbolic
   *   link (to '<target>') …`, `cannot write '<path>': is a folder`, `cannot write '<path>': not a
   *   regular file (a character device) …`
   */
  async check(path: string): Promise<void> {
    await refuseInputs(path, this.protect, this.inputLabel);
    // the name itself, not what it leads to: the rename would replace a link (also a dangling one)
    // with a regular file, and the file it pointed to would keep the earlier contents
    const own = await lstat(path).catch(() => undefined);
    if (own?.isSymbolicLink()) {
      const target = await readlink(path).catch(() => '?');
      throw new Error(`cannot write '${path}': is a symbolic link (to '${target}'); outputs are written to a temporary file and renamed, which would replace the link: give the path it leads to, or another name`);
    }
    const st = await stat(path).catch(() => undefined);
    if (st?.isDirectory()) throw new Error(`cannot write '${path}': is a folder`);
    if (st && !st.isFile()) {
      const kind = specialFileKind(st) ?? 'a special file';
      throw new Error(`cannot write '${path}': not a regular file (${kind}); outputs are written to a temporary file and renamed, which would replace it: choose a file name`);
    }
  }

  /**
   * Stage one output: create a hidden temporary file next to `path`, let `fill` write its
   * contents, fsync and close it. The final name is untouched until {@link commit}.
   * @param path final output path (its folder is created when missing)
   * @param fill writes the contents through the given writer
   * @throws Error refusing an input or a folder (see {@link check}); `cannot write '<path>':
   *   no space left on device` and other I/O errors (the temporary file is removed)
   */
  async write(path: string, fill: (out: OutputWriter) => Promise<void>): Promise<void> {
    const w = this.writeOne(path, fill);
    const settled = w.then(
      () => undefined,
      () => undefined,
    );
    this.writing.add(settled);
    try {
      await w;
    } finally {
      this.writing.delete(settled);
    }
  }

  private async writeOne(path: string, fill: (out: OutputWriter) => Promise<void>): Promise<void> {
    if (this.closed) throw new Error(`output set already ${this.staged.length ? 'committed or aborted' : 'closed'}`);
    const final = resolve(path);
    if (this.finals.has(final) || this.retired.has(final)) throw new Error(`two outputs of one run are both named '${path}'`);
    await this.check(path);
    this.finals.add(final);
    const temp = tempNameFor(final);
    try {
      // made one level at a time, so a read-only file system or a file in the way is said as such
      await this.makeFolder(dirname(final));
    } catch (err) {
      this.finals.delete(final);
      if (this.closed) this.removeMadeFolders();
      throw new Error(`cannot write '${path}': ${(err as Error).message}`, { cause: err });
    }
    let fh: FileHandle | undefined;
    track(temp);
    try {
      try {
        fh = await open(temp, 'wx');
      } catch (err) {
        // the folder was removed meanwhile (an empty folder another run made and then gave up): again
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await this.makeFolder(dirname(final));
        fh = await open(temp, 'wx');
      }
      const handle = fh;
      let position = 0;
      const writer: OutputWriter = {
        write: async (bytes) => {
          // aborted meanwhile: stop here rather than write the rest of a file that goes anyway
          if (this.closed && !this.committed) throw new Error(`cannot write '${path}': the run was stopped`);
          await writeAll(handle, bytes, position);
          position += bytes.length;
        },
        get bytesWritten() {
          return position;
        },
      };
      await fill(writer);
      await fh.sync();
      await fh.close();
      fh = undefined;
      if (this.closed) throw new Error(`cannot write '${path}': the run was stopped`); // aborted meanwhile
      this.staged.push({ final, temp });
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      liveFiles.delete(temp);
      this.finals.delete(final);
      // aborted while this write ran: its folder could not be removed then (this file was in it)
      if (this.closed && !this.committed) this.removeMadeFolders();
      throw err instanceof Error && /^(cannot write|refusing)/.test(err.message) ? err : writeError(path, err);
    }
  }

  /**
   * Remove `path` when the set is committed, as part of the commit: an earlier run's output of
   * this tool that this run does not write, which would otherwise sit beside the new set as if it
   * were part of it. Like a replaced file it is put back if the commit fails or a signal stops it,
   * so the folder holds the earlier set or the new one, never a mix. Nothing happens before
   * {@link commit}, nor at it when the path is then no regular file (gone, a link, a folder).
   * @param path the file's final path (the caller decides it is this tool's own output)
   * @throws Error `refusing to overwrite input '<path>' …` when it is one of the set's inputs
   *   (never removed); `two outputs of one run are both named '<path>'` when the set writes it
   */
  async retire(path: string): Promise<void> {
    if (this.closed) throw new Error('output set already committed or aborted');
    const final = resolve(path);
    if (this.finals.has(final)) throw new Error(`two outputs of one run are both named '${path}': one written, one removed`);
    await refuseInputs(path, this.protect, this.inputLabel);
    this.retired.add(final);
  }

  /** The earlier outputs the commit removed ({@link retire}), final paths. */
  get removed(): string[] {
    return [...this.removedPaths];
  }

  /**
   * Create the folder `dir` and its missing parents for this set's outputs (see
   * `makeOutputFolder`); the folders made are removed again, when empty, if the set is aborted,
   * its commit fails, or the process is stopped before the commit.
   * @param dir the folder, as the user will see it named
   * @throws Error `cannot create output folder '<dir>': <reason>`
   */
  async makeFolder(dir: string): Promise<void> {
    hookExit();
    await makeOutputFolder(dir, (made) => {
      const p = resolve(made);
      this.madeFolders.push(p);
      liveFolders.add(p);
    });
  }

  /** Remove the folders this set made that are empty now (innermost first); keep the rest listed. */
  private removeMadeFolders(): void {
    const gone = new Set(removeEmptyFoldersSync(this.madeFolders));
    for (const f of gone) liveFolders.delete(f);
    const left = this.madeFolders.filter((f) => !gone.has(f));
    this.madeFolders.splice(0, this.madeFolders.length, ...left);
  }

  /** The set is complete: its folders are the user's now. */
  private keepMadeFolders(): void {
    for (const f of this.madeFolders) liveFolders.delete(f);
    this.madeFolders.length = 0;
  }

  /**
   * Stage a file whose whole contents are in memory.
   * @throws as {@link write}
   */
  async writeBytes(path: string, data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    await this.write(path, (out) => out.write(bytes));
  }

  /**
   * Rename every staged file onto its final name (in staging order), then fsync the folders.
   * Commits into one folder are serialised, also between processes, by a hidden lock in the
   * folder (`commit-lock.ts`; removed after the commit, taken over when its holder died): of two
   * runs writing the same names, the later commit replaces the whole set.
   * Inputs are checked once more just before. A file already at a final name (an earlier run's
   * output) is kept under a hidden hard link until every rename is done: on a failure, or on a
   * signal part-way (`removeLiveOutputsSync`), the new files already renamed are removed and the
   * earlier ones put back, so the folder holds the earlier set or the new one, never a mix; the
   * remaining temporary files are removed and the error rethrown. The earlier outputs given to
   * {@link retire} are removed after the renames in the same way (kept under a link until the
   * end, put back on a failure or a signal); one that cannot be removed stays, and is not in
   * {@link removed}.
   * @returns the final paths
   */
  async commit(): Promise<string[]> {
    if (this.closed) throw new Error('output set already committed or aborted');
    this.closed = true;
    hookExit();
    const done: string[] = [];
    /** Retired files the commit has removed (each kept under a hidden link until the end). */
    const gone: string[] = [];
    const committing = new Map<string, string | undefined>();
    commits.add(committing);
    const releases: (() => Promise<void>)[] = [];
    const release = async (): Promise<void> => {
      for (const r of releases.splice(0).reverse()) await r();
    };
    try {
      // one commit at a time per folder, between processes too: another run's set renamed at the
      // same time had interleaved with this one (folders in sorted order: no two sets wait on
      // each other)
      for (const dir of [...new Set([...this.staged.map((s) => s.final), ...this.retired].map((f) => dirname(f)))].sort()) releases.push(await acquireCommitLock(dir));
      for (const s of this.staged) await this.check(s.final);
      for (const s of this.staged) {
        await keepEarlier(s.final, committing);
        await rename(s.temp, s.final);
        liveFiles.delete(s.temp);
        done.push(s.final);
      }
      // then the earlier outputs this set does not write: kept under a link (put back on a
      // failure or a signal, as a replaced file), removed from their names
      for (const final of this.retired) {
        if (!(await lstat(final).catch(() => undefined))?.isFile()) continue;
        // (an input is never removed: one that became the file since retire() stays)
        if (!(await refuseInputs(final, this.protect, this.inputLabel).then(() => true, () => false))) continue;
        await keepEarlier(final, committing);
        try {
          await unlink(final);
          gone.push(final);
        } catch {
          // it stays (the new set is whole without its removal): not listed as removed
          const kept = committing.get(final);
          committing.delete(final);
          if (kept !== undefined) await unlink(kept).catch(() => undefined);
        }
      }
    } catch (err) {
      for (const final of this.retired) {
        const kept = committing.get(final);
        if (kept !== undefined) await (gone.includes(final) ? rename(kept, final) : unlink(kept)).catch(() => undefined);
        committing.delete(final);
      }
      for (const s of this.staged) {
        const kept = committing.get(s.final);
        if (done.includes(s.final)) {
          if (kept !== undefined) await rename(kept, s.final).catch(() => undefined);
          else await unlink(s.final).catch(() => undefined);
        } else {
          if (kept !== undefined) await unlink(kept).catch(() => undefined);
          await unlink(s.temp).catch(() => undefined);
        }
        committing.delete(s.final);
        liveFiles.delete(s.temp);
      }
      commits.delete(committing);
      await release();
      this.removeMadeFolders();
      throw err instanceof Error && /^(cannot write|refusing)/.test(err.message) ? err : writeError(this.staged[done.length]?.final ?? '', err);
    }
    // complete (marked so before any await: a signal from here on keeps the new set); the
    // earlier files' links go
    const links = [...committing.values()].filter((l): l is string => l !== undefined);
    commits.delete(committing);
    this.committed = true;
    this.removedPaths.push(...gone);
    this.keepMadeFolders();
    for (const l of links) liveFiles.add(l);
    for (const l of links) {
      await unlink(l).catch(() => undefined);
      liveFiles.delete(l);
    }
    await release();
    await syncFolders([...this.staged.map((s) => dirname(s.final)), ...gone.map((f) => dirname(f))]);
    return this.staged.map((s) => s.final);
  }

  /**
   * Remove every temporary file of the set, then the folders it made (when empty, innermost
   * first); nothing under a final name was written. Writes still under way are stopped at their
   * next chunk and waited for, so that when this returns the set has left nothing behind.
   */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.writing]);
    for (const s of this.staged) {
      await unlink(s.temp).catch(() => undefined);
      liveFiles.delete(s.temp);
    }
    this.removeMadeFolders();
  }
}

/**
 * Check, before any work, that a run's outputs can be written under these names: none is an
 * input, a symbolic link, a folder or a special file ({@link OutputSet.check}). Nothing is
 * created. For refusing a bad output name at once rather than after the computation.
 * @param paths the final output paths, as the user will see them named
 * @param options the inputs no output may replace, and how they are called
 * @throws as {@link OutputSet.check}
 */
export async function checkOutputNames(paths: readonly string[], options: OutputSetOptions = {}): Promise<void> {
  const set = new OutputSet(options);
  for (const p of paths) await set.check(p);
}

/** fsync each folder once, so the renames survive a crash (best effort: not every file system allows it). */
async function syncFolders(folders: string[]): Promise<void> {
  for (const dir of new Set(folders)) {
    try {
      const fh = await open(dir, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch {
      // folders cannot be fsynced everywhere; the files themselves were
    }
  }
}

/**
 * Run `fn` with a fresh output set: commit it when `fn` resolves, abort it when `fn` throws.
 * @returns what `fn` returns
 */
export async function withOutputSet<T>(options: OutputSetOptions, fn: (set: OutputSet) => Promise<T>): Promise<T> {
  const set = new OutputSet(options);
  let result: T;
  try {
    result = await fn(set);
  } catch (err) {
    await set.abort();
    throw err;
  }
  await set.commit();
  return result;
}

/**
 * The log's lines naming the earlier outputs a run removes ({@link OutputSet.retire}; none: no line).
 * @param paths the removed files as the log names them
 */
export function removedOutputLines(paths: readonly string[]): string[] {
  return paths.length === 0 ? [] : ["Removed (an earlier run's outputs for this map that this run does not write):", ...paths.map((p) => `  ${p}`)];
}
