/**
 * The one state of the GUI page, shared by every panel (map, result, slice position, 3D viewer,
 * jobs). Panels read and change it, then call each other's render functions.
 */
import type { EstimateSummaryView, MapInfo, SliceLayer } from '../api.js';
import type { Axis } from './api-client.js';
import type { Job } from './job.js';
import type { SliceTab } from './slice-view.js';
import type { Viewer3D } from './viewer-3d.js';

/** The viewer tabs: slice tabs, the 3D view, and the half-map views. */
export type Tab = SliceTab | '3d' | 'fsc';

/** The numbers of the estimate summary the page uses (the server sends the CLI's `--json` object). */
export interface SummaryNumbers {
  sMax?: number;
  solventEdge?: number;
  sMaxTile?: { centreA: [number, number, number]; halfSizeVoxel: [number, number, number] };
  processingVoxelSizeA?: [number, number, number];
  mode?: 'res' | 'occ';
  warnings?: string[];
}

/** Everything the page knows. */
export interface PageState {
  map?: MapInfo;
  result?: EstimateSummaryView;
  layers: SliceLayer[];
  /** Bumped after each finished job (cached slices of outputs are refetched). */
  version: number;
  tab: Tab;
  axis: Axis;
  index: number;
  job?: Job;
  /** A run is being started (its request is on the way): no other may start meanwhile. */
  starting?: boolean;
  jobKind?: 'estimate' | 'modify';
  /** Warnings of the running or last job (shown in the status, not only in the log). */
  jobWarnings: string[];
  viewer?: Viewer3D;
  viewerLoading?: Promise<Viewer3D>;
  /** Object URLs of masks made in the page, revoked when a new map is opened. */
  blobUrls: string[];
  /** Whether the server found a local ChimeraX. */
  chimerax?: boolean;
}

/** The slice layers of a half-map result (kept when an estimate of the same map ends). */
export const HALF_MAP_LAYERS: readonly SliceLayer[] = ['locres', 'occupancy', 'bfactor', 'mask'];

/** The page's state. */
export const state: PageState = { layers: [], version: 0, tab: 'input', axis: 'z', index: 0, blobUrls: [], jobWarnings: [] };

/** Whether a job runs or is being started (the run buttons are off, Cancel is on once it runs). */
export function jobBusy(): boolean {
  return state.starting === true || state.job?.running === true;
}

/** The numbers of a result's summary. */
export function summaryNumbers(result: EstimateSummaryView | undefined): SummaryNumbers {
  return (result?.summary ?? {}) as SummaryNumbers;
}
