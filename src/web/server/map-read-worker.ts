/**
 * Worker thread of the GUI server that reads one map file with `readMrc` (inflating gzip there,
 * so a large or hostile file never blocks the server's event loop) and sends back the voxels
 * (transferred, not copied), the range and mean, the uncompressed size its header promises and
 * the input diagnostics' findings (`occupy check`).
 */
import { parentPort } from 'node:worker_threads';
import { readMrc } from '../../io/mrc/index.js';
import { bytesPerVoxel, type MrcMode } from '../../io/mrc/modes.js';
import { guiReadMessage, volumeStats, type MapReadReply, type MapReadRequest } from './map-reader.js';
import { loadFft } from '../../math/fft.js';
import { diagnoseMap, findingJson, type Finding } from '../../diagnostics/index.js';
import { chooseIsoLevel } from './iso-level.js';

/** The input diagnostics of a map read for the GUI (none when they cannot run). */
async function findingsOf(volume: Parameters<typeof diagnoseMap>[0]): Promise<Finding[]> {
  try {
    await loadFft();
    return diagnoseMap(volume).findings.map(findingJson);
  } catch {
    return [];
  }
}

async function read(req: MapReadRequest): Promise<{ reply: MapReadReply; transfer: ArrayBuffer[] }> {
  try {
    const { volume, header } = await readMrc(req.path, { name: req.name });
    const h = header;
    const fileBytes = 1024 + h.nsymbt + h.nx * h.ny * h.nz * bytesPerVoxel(h.mode as MrcMode);
    let data = volume.data;
    // transfer a buffer the array covers exactly (a copy otherwise, e.g. a view after the header)
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer)) data = new Float32Array(data);
    const findings = await findingsOf(volume);
    const isoLevel = chooseIsoLevel(data, volume.shape).level;
    const reply: MapReadReply = { ok: true, data, shape: volume.shape, voxelSizeA: volume.voxelSizeA, stats: { ...volumeStats(data), isoLevel }, fileBytes, findings };
    return { reply, transfer: [data.buffer as ArrayBuffer] };
  } catch (err) {
    const message = guiReadMessage(err instanceof Error ? err.message : String(err));
    return { reply: { ok: false, message }, transfer: [] };
  }
}

parentPort?.once('message', (req: MapReadRequest) => {
  void read(req).then(({ reply, transfer }) => {
    try {
      parentPort?.postMessage(reply, transfer);
    } catch {
      // an untransferable buffer: send a copy
      parentPort?.postMessage(reply.ok ? { ...reply, data: new Float32Array(reply.data) } : reply);
    }
  });
});
