/**
 * What an existing output file of this tool holds, read from its content: the title line of a log,
 * the first line of a ChimeraX script, the first MRC label of a map. Output names of two stems can
 * be the same file: the estimate of `decompose_X.mrc` writes `log_decompose_X.txt` and
 * `chimX_decompose_X.cxc`, the names of `occupy decompose X.mrc`'s log and script; the estimate's
 * `--chimerax-silent` script of `a.mrc` is `chimX_a_silent.cxc`, the script of `a_silent.mrc`; and
 * `occupy locres`' interval map of `a.mrc` is `locres_a_low.mrc`, the resolution map of
 * `a_low.mrc`. A run neither overwrites nor removes (as a stale output of its own) a file whose
 * content says it is another kind (before session 58 both happened, silently: the estimate of
 * `a.mrc` removed `a_silent.mrc`'s ChimeraX script).
 */
import { open } from 'node:fs/promises';
import { basename } from 'node:path';

/** The kinds of output told apart by content (a file of another kind, or not this tool's, is `undefined`). */
export type OutputKind =
  | 'estimate log'
  | 'estimate ChimeraX script'
  | 'estimate silent ChimeraX script'
  | 'decompose log'
  | 'decompose ChimeraX script'
  | 'locres log'
  | 'locres map'
  | 'locres pinned map'
  | 'locres interval map (finer end)'
  | 'locres interval map (coarser end)'
  | 'locres filtered map';

/** How a kind is said in a message: "the log of an estimate (occupy MAP)". */
export const KIND_WORDS: Record<OutputKind, string> = {
  'estimate log': 'the log of an estimate (occupy MAP)',
  'estimate ChimeraX script': 'the ChimeraX script of an estimate (occupy MAP)',
  'estimate silent ChimeraX script': 'the --chimerax-silent script of an estimate (occupy MAP)',
  'decompose log': 'the log of occupy decompose',
  'decompose ChimeraX script': 'the ChimeraX script of occupy decompose',
  'locres log': 'the log of occupy locres',
  'locres map': 'the local-resolution map of occupy locres',
  'locres pinned map': 'the pinned-voxel map of occupy locres',
  'locres interval map (finer end)': 'the 90 % interval map (finer end) of occupy locres',
  'locres interval map (coarser end)': 'the 90 % interval map (coarser end) of occupy locres',
  'locres filtered map': 'the locally low-passed map of occupy locres --filter',
};

/** Bytes read from the start of a file: a log's title, a script (a few KiB), an MRC header's labels. */
const HEAD_BYTES = 65536;

/** The MRC header's first label: bytes 224–303. */
const MRC_LABEL0 = [224, 304] as const;

/**
 * The kind of output `path` holds, from its content; undefined when it cannot be read, or holds
 * nothing this tool writes under one of the names above (an older version's file, a user's file).
 * Never throws.
 */
export async function outputKind(path: string): Promise<OutputKind | undefined> {
  let head: Buffer;
  try {
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  const name = basename(path);
  if (name.endsWith('.txt')) {
    const title = /^occupy-ts \S+ — (.+)$/m.exec(head.toString('utf8').split('\n', 1)[0])?.[1];
    if (title === 'local scale estimate') return 'estimate log';
    if (title === 'occupancy / local B-factor decomposition') return 'decompose log';
    if (title?.startsWith('local resolution')) return 'locres log';
    return undefined;
  }
  if (name.endsWith('.cxc')) {
    const text = head.toString('utf8');
    if (text.startsWith('# ChimeraX script written by occupy-ts decompose:')) return 'decompose ChimeraX script';
    if (text.startsWith('# ChimeraX script written by occupy-ts:')) return /^save /m.test(text) ? 'estimate silent ChimeraX script' : 'estimate ChimeraX script';
    return undefined;
  }
  if (name.endsWith('.mrc') && head.length >= MRC_LABEL0[1]) {
    const what = /^occupy-ts \S+: (.*)$/.exec(head.subarray(...MRC_LABEL0).toString('latin1').replace(/[\0 ]+$/, ''))?.[1];
    if (what === undefined) return undefined;
    if (what.startsWith('local resolution (A)')) return 'locres map';
    if (what.startsWith('1 = ')) return 'locres pinned map';
    if (what.startsWith('finer end of the 90 % interval')) return 'locres interval map (finer end)';
    if (what.startsWith('coarser end of the 90 % interval')) return 'locres interval map (coarser end)';
    if (what.startsWith('locally low-passed by')) return 'locres filtered map';
  }
  return undefined;
}
