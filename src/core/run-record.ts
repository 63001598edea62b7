/**
 * The record of a run: what was typed, which release ran it, on which input (path and SHA-256) and
 * with which resolved settings and seed, so that the log alone is enough to rerun the command and
 * get byte-identical outputs.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { TOOL_VERSION, toolBuild } from './version.js';

/** The input file of a run. */
export interface RecordedInput {
  /** The path as given on the command line. */
  path: string;
  /** SHA-256 of the file's bytes as stored (of the compressed bytes for a `.gz` map), hex. */
  sha256: string;
  /** Size of the file in bytes. */
  bytes: number;
}

/** The record of one run (the log's `--- Record ---` section, `record` in `--json`, MRC labels). */
export interface RunRecord {
  /** Always `'occupy-ts'`. */
  tool: 'occupy-ts';
  /** Version from `package.json`. */
  version: string;
  /** The commit when the package folder is a git checkout: `<short hash>[+modified]` (absent for an npm install). */
  build?: string;
  /** The arguments exactly as typed after `occupy` (empty when run from the library or the GUI). */
  commandLine: string[];
  /**
   * The command to rerun for byte-identical outputs, shell-quoted: what was typed (for a map of
   * `occupy batch`, the equivalent single command), plus `--seed N` when no seed was given (the
   * random seed that was drawn).
   */
  rerun: string;
  /** Folder the command ran in (relative paths of {@link commandLine} are relative to it). */
  cwd: string;
  /** Folder to run {@link rerun} in when it is not {@link cwd} (a map of `occupy batch`: the map's folder). */
  rerunCwd?: string;
  /** The input map. */
  input?: RecordedInput;
  /** Seed of the synthetic solvent noise (recorded always, drawn at random when not given). */
  seed: number;
  /** Whether the seed was given (`--seed`) rather than drawn. */
  seedGiven: boolean;
  /**
   * The log's `Seed` line when the seed is neither given nor drawn at random (a command whose
   * `--seed` has a fixed default: `fsc --mask`), or not used; absent for the estimate's given/drawn seed.
   */
  seedText?: string;
  /** Every resolved setting (defaults filled in), by option name. */
  settings: Record<string, unknown>;
}

/** Quote one word for a POSIX shell: left bare when it only holds safe characters. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line as one shell-quoted string. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/**
 * The arguments to rerun a command with the same seed: `args` unchanged when they hold `--seed`,
 * otherwise `args` followed by `--seed <seed>`.
 */
export function argsWithSeed(args: readonly string[], seed: number): string[] {
  const given = args.some((a) => a === '--seed' || a.startsWith('--seed='));
  return given ? [...args] : [...args, '--seed', String(seed)];
}

/**
 * SHA-256 and size of a file, read in 1 MiB pieces into one reused buffer (a read stream's
 * 64 KiB chunks left ~40 MB of garbage in a large map's estimate, measured with GNU time).
 * @throws Error from the file system when it cannot be read
 */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}

/** What {@link makeRunRecord} needs. */
export interface RunRecordInput {
  /** Program name for the rerun line (default `occupy`). */
  program?: string;
  commandLine?: readonly string[];
  cwd?: string;
  input?: RecordedInput;
  seed: number;
  seedGiven: boolean;
  settings: Record<string, unknown>;
  /** Whether the command has a `--seed` option to append to the rerun line (default true). */
  hasSeedOption?: boolean;
  /** See {@link RunRecord.seedText}. */
  seedText?: string;
  /**
   * The single command that gives the same outputs, when the run was one part of another command
   * (a map of `occupy batch`): its arguments after `occupy` and the folder to run it in. The
   * rerun line is built from them instead of `commandLine`, which stays the command as typed.
   */
  rerunAs?: RerunAs;
}

/** A command to rerun one part of another command: arguments after `occupy`, and where to run them. */
export interface RerunAs {
  args: readonly string[];
  /** Folder the arguments' relative paths are relative to. */
  cwd: string;
}

/** Assemble a {@link RunRecord}. */
export function makeRunRecord(r: RunRecordInput): RunRecord {
  const commandLine = [...(r.commandLine ?? [])];
  const rerunArgs = r.rerunAs?.args ?? commandLine;
  return {
    tool: 'occupy-ts',
    version: TOOL_VERSION,
    ...(toolBuild() !== undefined ? { build: toolBuild() } : {}),
    commandLine,
    rerun: shellCommand([r.program ?? 'occupy', ...(r.hasSeedOption === false ? rerunArgs : argsWithSeed(rerunArgs, r.seed))]),
    cwd: r.cwd ?? process.cwd(),
    ...(r.rerunAs ? { rerunCwd: r.rerunAs.cwd } : {}),
    ...(r.input ? { input: r.input } : {}),
    seed: r.seed,
    seedGiven: r.seedGiven,
    ...(r.seedText !== undefined ? { seedText: r.seedText } : {}),
    settings: r.settings,
  };
}

/** A setting's value as text for the log and labels (numbers without float noise: at most 6 significant digits). */
export function settingText(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (Array.isArray(v)) return v.map(settingText).join(',');
  if (v && typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${settingText(x)}`).join(' ');
  return String(v);
}

/** Setting that lists every input file of a run with its SHA-256, as `path=sha256` (the map first). */
export const INPUTS_SHA256 = 'inputs-sha256';

/**
 * Every input file of a run, hashed ({@link hashFile}), in the order given.
 * @param paths the input paths as typed (the map or half maps first, then masks, labels …)
 * @throws Error from the file system when one cannot be read
 */
export async function hashInputs(paths: readonly string[]): Promise<RecordedInput[]> {
  return Promise.all(paths.map(async (p) => ({ path: p, ...(await hashFile(p)) })));
}

/** The {@link INPUTS_SHA256} setting of hashed inputs: `path=sha256` each, in order. */
export function inputsSha256Setting(inputs: readonly RecordedInput[]): string[] {
  return inputs.map((h) => `${h.path}=${h.sha256}`);
}

/**
 * `text` with every character outside printable ASCII written as a JSON-style `\uXXXX` escape
 * (UTF-16 units), so that a label stays ASCII (MRC2014) and still spells the command: a folder
 * named `é` had been written as the single byte 0xE9 and `日本` as `??` (sweep, session 50).
 */
export function asciiEscaped(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The label that ends a record cut to fit the header. */
export const RECORD_CUT_LABEL = '(record cut to fit the MRC header: the full record is in the log)';

/**
 * The record as MRC labels (up to `max` labels of 80 characters), in this order: the rerun
 * command (`cmd:`), the SHA-256 of every input (`sha256:`, the input first, then the others of
 * {@link INPUTS_SHA256} in their order), and the settings (`set:`), each text cut into
 * 80-character pieces after its tag. When everything does not fit, the hashes are kept whole, the
 * command and the settings share what is left (the command at most half of it), each cut piece
 * ends in `...`, and the last label is {@link RECORD_CUT_LABEL}. Labels hold no times, so a rerun
 * writes byte-identical maps. Characters outside printable ASCII are escaped ({@link asciiEscaped}).
 */
export function recordLabels(rec: RunRecord, max: number): string[] {
  const pieces = (tag: string, text: string): string[] => {
    const width = 80 - tag.length - 1;
    const out: string[] = [];
    for (let i = 0; i < text.length; i += width) out.push(`${tag} ${text.slice(i, i + width)}`);
    return out;
  };
  const others = Array.isArray(rec.settings[INPUTS_SHA256]) ? (rec.settings[INPUTS_SHA256] as unknown[]) : [];
  const hashes = [...new Set([...(rec.input ? [rec.input.sha256] : []), ...others.map((e) => /=([0-9a-f]{64})$/.exec(String(e))?.[1]).filter((h): h is string => h !== undefined)])];
  const sha = hashes.map((h) => `sha256: ${h}`);
  const cmd = pieces('cmd:', asciiEscaped(rec.rerun));
  const set = pieces('set:', asciiEscaped(Object.entries(rec.settings).filter(([k, v]) => k !== INPUTS_SHA256 && v !== undefined && v !== null && v !== false && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => `${k}=${settingText(v)}`).join(' ')));
  if (cmd.length + sha.length + set.length <= max) return [...cmd, ...sha, ...set];
  // cut: the hashes whole, then the command and the settings in the room left, and the cut label
  const room = Math.max(0, max - sha.length - 1);
  const cmdRoom = Math.min(cmd.length, Math.max(Math.min(1, room), room - set.length, Math.ceil(room / 2)));
  const cut = (labels: string[], n: number): string[] => (labels.length <= n ? labels : labels.slice(0, n).map((l, i) => (i === n - 1 ? `${l.slice(0, 77)}...` : l)));
  return [...cut(cmd, cmdRoom), ...sha, ...cut(set, room - cmdRoom), RECORD_CUT_LABEL].slice(-max);
}
