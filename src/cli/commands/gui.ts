/**
 * `occupy gui [map]`: the browser GUI, served from this machine only (127.0.0.1).
 */
import { Command } from 'commander';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { integerOption } from '../options.js';
import { MAX_UPLOAD_BYTES, startGuiServer } from '../../web/server/server.js';

/** Description shown in `occupy --help`. */
export const summary = 'open the browser GUI (local server on 127.0.0.1) on the current folder or a map';

/** Options of `occupy gui`. */
export interface GuiOptions {
  port?: number;
  open?: boolean;
  root?: string;
  quiet?: boolean;
  /** Largest upload (drag and drop), MiB. */
  maxUpload?: number;
}

/** Add the arguments and options of `occupy gui`. */
export function addGuiOptions(cmd: Command): Command {
  return cmd
    .argument('[map]', 'a map to open at start (inside the root folder)')
    .option('--port <n>', 'port (default: a free one)', integerOption('--port', 1, 'a TCP port number in 1..65535', 65535))
    .option('--root <folder>', 'folder the file browser shows; nothing outside it can be reached (default: the current folder)')
    .option('--open', 'open the page in the default browser')
    .option('--max-upload <MiB>', `largest map accepted by drag and drop, MiB (default ${MAX_UPLOAD_BYTES / 1024 ** 2}); larger maps can be opened with the file browser`, integerOption('--max-upload', 1))
    .option('-q, --quiet', 'print only the URL');
}

/** Open a URL in the desktop's browser (xdg-open / open / start). */
function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`Could not open a browser; open ${url} yourself.\n`));
  child.unref();
}

/** The signals that stop `occupy gui` (Ctrl+C, `kill`, a closed terminal). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Run `occupy gui`: start the server and keep running until SIGINT, SIGTERM or SIGHUP, then stop
 * it gracefully (jobs cancelled, connections closed, the session's temporary folder removed) and
 * set the exit code to 128 + the signal's number (130, 143, 129), as every command stopped by a
 * signal. A second signal while it stops exits at once (the CLI's signal clean-up).
 */
export async function run(map: string | undefined, o: GuiOptions): Promise<void> {
  const server = await startGuiServer({
    root: resolve(o.root ?? '.'),
    port: o.port ?? 0,
    initialMapPath: map,
    maxUploadBytes: o.maxUpload === undefined ? undefined : o.maxUpload * 1024 ** 2,
  });
  // the URL carries the session token: without it the page cannot use the server
  process.stdout.write(`occupy GUI: ${server.pageUrl}\n`);
  if (!o.quiet) process.stderr.write('Serving on 127.0.0.1 only; open the whole URL above (it carries this session\'s access token). Press Ctrl+C to stop.\n');
  if (o.open) openBrowser(server.pageUrl);
  const signal = await new Promise<(typeof STOP_SIGNALS)[number]>((done) => {
    const handlers = STOP_SIGNALS.map((sig) => {
      const stop = () => {
        for (const [s, h] of handlers) process.removeListener(s, h);
        void server.close().then(() => done(sig));
      };
      return [sig, stop] as const;
    });
    for (const [s, h] of handlers) process.once(s, h);
  });
  if (!o.quiet) process.stderr.write(`occupy gui: stopped by ${signal}; its temporary files are removed\n`);
  process.exitCode = 128 + constants.signals[signal];
}
