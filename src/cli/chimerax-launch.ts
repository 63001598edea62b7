/**
 * Finding and launching UCSF ChimeraX for `--show-chimerax` (the code lives in the jobs layer,
 * shared with the GUI server).
 */
export { findChimerax, showInChimerax } from '../jobs/chimerax-launch.js';
