/**
 * Input diagnostics: does a map break the method's assumptions (masked, flattened, sharpened, not
 * a density), and are two half maps usable? Requires `await loadFft()` first.
 * @see docs/diagnostics.md
 */
export { diagnoseMap, diagnoseMapSteps, completeDiagnosis, diagnoseHalfMaps, halfMapScales, matchHalfMapScale, lowPassedHalvesFinding, refusedPairFinding, type HalfMapScales, type DiagnoseOptions, type HalfMapDiagnoseOptions, type MapDiagnosis, type MapSummary, type PairDiagnosis, type PairFindings } from './diagnose.js';
export { FINDING_CODES, findingLine, type Finding, type FindingCode, type FindingSeverity, type EvidenceValue } from './findings.js';
export { findingJson, findingLines, mapSummaryJson, mapSummaryLines } from './format.js';
export { THRESHOLDS, referenceBFactor } from './thresholds.js';
