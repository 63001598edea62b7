/**
 * Worker process of the GUI server: runs one estimate (`estimateFromFile`, exactly as the CLI)
 * or one half-map run (`halfmaps-run.ts`) sent over IPC, reports progress and log lines as they
 * happen, then the result, and exits. The server kills it to cancel.
 */
import { loadFft } from '../../math/fft.js';
import { readMrc, writeMrc } from '../../io/mrc/index.js';
import { estimateFromFile, OCCUPY_VERSION } from '../../jobs/estimate-job.js';
import { solventDefinitionFromScale } from '../../occupancy/masks-from-scale.js';
import { estimateOutputNames, mapStem } from '../../occupancy/output-names.js';
import { modifiedMapName } from '../../occupancy/modify.js';
import { join, resolve } from 'node:path';
import { solventPlotData, solventPlotSpec } from './solvent-plot.js';
import { runHalfMaps } from './halfmaps-run.js';
import { installSignalCleanup } from '../../core/signal-cleanup.js';
import type { EstimateTask, LayerFiles, SoldefTask, WorkerMessage, WorkerTask } from './worker-protocol.js';

/** Write the solvent definition as `occupy soldef <scale> --threshold t --like <input>` does. */
async function writeSoldef(t: SoldefTask): Promise<void> {
  const scale = await readMrc(t.scalePath);
  const like = await readMrc(t.likePath);
  const def = solventDefinitionFromScale(scale.volume, t.threshold, like.volume.shape);
  await writeMrc(t.outPath, { ...def, voxelSizeA: like.volume.voxelSizeA }, {
    template: like.header,
    labels: [`occupy-ts ${OCCUPY_VERSION}: solvent definition: scale > ${t.threshold}`],
    protect: [t.scalePath, t.likePath],
  });
}

async function run(task: EstimateTask, send: (m: WorkerMessage) => void): Promise<void> {
  await loadFft();
  if (task.soldef) {
    send({ type: 'progress', phase: 'solvent definition', fraction: 0 });
    await writeSoldef(task.soldef);
  }
  let lastPhase = '';
  let lastFraction = -1;
  const o = task.options;
  const { summary, result } = await estimateFromFile({
    ...o,
    onProgress: (phase, fraction) => {
      if (phase !== lastPhase || fraction - lastFraction >= 0.01 || fraction >= 1) {
        lastPhase = phase;
        lastFraction = fraction;
        send({ type: 'progress', phase, fraction });
      }
    },
  });
  for (const w of summary.warnings) send({ type: 'log', level: 'warning', text: w });
  for (const n of summary.notes) send({ type: 'log', level: 'info', text: n });
  const dir = resolve(o.outputDir ?? '.');
  const stem = o.outputStem ?? mapStem(o.inputPath);
  const names = estimateOutputNames(stem, summary.mode);
  const first = o.modifications?.[0];
  const layerFiles: LayerFiles = { scale: join(dir, names.scale), confidence: join(dir, names.confidence) };
  if (first || o.excludeSolvent) layerFiles.output = join(dir, modifiedMapName(stem, first, o.excludeSolvent === true));
  send({ type: 'done', summary, solventPlot: solventPlotData(result), solventPlotSpec: solventPlotSpec(result, stem), layerFiles });
}

if (process.send) {
  // killed to cancel: remove what this worker was writing (the server also removes its staging folder)
  installSignalCleanup('occupy gui worker', true);
  // Each message is handed to the IPC channel at once (not chained on promises: the estimate
  // computes synchronously between its phases, so a chained send would wait for the end and
  // every phase would arrive at once). The channel keeps the order; the worker disconnects only
  // when every message has been written.
  let unsent = 0;
  let finished = false;
  const disconnectWhenDone = () => {
    if (finished && unsent === 0 && process.connected) process.disconnect();
  };
  const send = (m: WorkerMessage) => {
    if (!process.send || !process.connected) return;
    unsent++;
    process.send(m, undefined, undefined, () => {
      unsent--;
      disconnectWhenDone();
    });
  };
  process.once('message', (task: WorkerTask) => {
    const job =
      task.kind === 'halfmaps'
        ? loadFft().then(async () => {
            let last = '';
            let lastF = -1;
            const outcome = await runHalfMaps(
              task,
              (phase, fraction) => {
                if (phase !== last || fraction - lastF >= 0.01) {
                  last = phase;
                  lastF = fraction;
                  send({ type: 'progress', phase, fraction });
                }
              },
              (text) => send({ type: 'log', level: 'warning', text }),
            );
            send({ type: 'halfmaps-done', outcome });
          })
        : run(task, send);
    job
      .catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        finished = true;
        disconnectWhenDone();
      });
  });
  process.on('disconnect', () => process.exit(0));
}
