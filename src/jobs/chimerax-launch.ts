/**
 * Finding and launching UCSF ChimeraX: `--show-chimerax` of the CLI, and the GUI's ChimeraX
 * button (which first writes a copy of the script with this machine's absolute paths).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Executable names of ChimeraX on PATH. */
const NAMES = process.platform === 'win32' ? ['ChimeraX.exe', 'chimerax.exe'] : ['chimerax', 'ChimeraX'];

/** Folders whose entries matching `prefix*` are ChimeraX installs, with the executable inside each. */
function installCandidates(): string[] {
  const out: string[] = [];
  const globDir = (dir: string, prefix: string, inner: string) => {
    try {
      for (const e of readdirSync(dir)) if (e.toLowerCase().startsWith(prefix.toLowerCase())) out.push(join(dir, e, inner));
    } catch {
      /* folder absent */
    }
  };
  if (process.platform === 'darwin') {
    globDir('/Applications', 'ChimeraX', 'Contents/MacOS/ChimeraX');
  } else if (process.platform === 'win32') {
    for (const pf of [process.env.ProgramFiles, process.env['ProgramFiles(x86)']]) if (pf) globDir(pf, 'ChimeraX', 'bin/ChimeraX.exe');
  } else {
    out.push('/usr/bin/chimerax', '/usr/local/bin/chimerax', '/opt/UCSF/ChimeraX/bin/ChimeraX', '/usr/lib/ucsf-chimerax/bin/ChimeraX');
    globDir('/opt', 'UCSF', 'ChimeraX/bin/ChimeraX');
  }
  return out;
}

/**
 * Path of the ChimeraX executable: on PATH first, then the usual install places of macOS
 * (/Applications/ChimeraX*.app), Linux (/usr/bin, /opt/UCSF, /usr/lib/ucsf-chimerax) and Windows
 * (Program Files\ChimeraX*). `undefined` when none is found.
 * @param env environment to read PATH from (tests pass their own)
 */
export function findChimerax(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const n of NAMES) if (existsSync(join(dir, n))) return join(dir, n);
  }
  return installCandidates().find((p) => existsSync(p));
}

/**
 * Open a ChimeraX script: launch ChimeraX detached when found, else explain how to open it.
 * @returns the message to print
 */
export function showInChimerax(scriptPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const exe = findChimerax(env);
  if (!exe) return `ChimeraX was not found on PATH or in the usual install places; open the script with:  chimerax "${scriptPath}"  (or in ChimeraX: open "${scriptPath}")`;
  const child = spawn(exe, [scriptPath], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
  return `Launched ChimeraX (${exe}) with ${scriptPath}`;
}

/**
 * A copy of a ChimeraX script whose `open "<name>"` lines name files by absolute path: a name
 * found in `dir` becomes `dir/<name>`, and `inputName` becomes `inputPath` (the input map lives
 * elsewhere). Other lines are kept.
 * @param script the script text (as `chimeraxScript` writes it)
 */
export function scriptWithAbsolutePaths(script: string, dir: string, inputName: string, inputPath: string, exists: (path: string) => boolean = existsSync): string {
  return script.replace(/^open "([^"]+)"/gm, (line, name: string) => {
    if (name === inputName) return `open "${inputPath}"`;
    if (!name.startsWith('/') && exists(join(dir, name))) return `open "${join(dir, name)}"`;
    return line;
  });
}
