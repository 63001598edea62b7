/** Moved to the jobs layer (used by the job pipelines); re-exported for the commands. */
export * from '../jobs/read-map.js';
