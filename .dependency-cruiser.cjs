/**
 * Layer rules of occupy-ts (README "Layers"; issue 14): imports go one way, downwards.
 *
 *   L0  core, math, io, filters                     (no method, no files of a run)
 *   L1  occupancy, resolution, diagnostics, decomposition, pixel-size, synthetic   (the methods)
 *   L2  jobs, batch, plots, api                     (file pipelines, batch runs, plots, the public API)
 *   L3  cli, web                                    (user interfaces); web never imports cli
 *
 * Type-only imports count (a type from a higher layer is still a wrong-way dependency).
 * Checked by test/deps/layers.test.ts (part of `npm test`, so CI fails on a wrong-way import)
 * and by `npm run deps`.
 */
const L0 = '^src/(core|math|io|filters)/';
const L1 = '^src/(occupancy|resolution|diagnostics|decomposition|pixel-size|synthetic)/';
const L2 = '^src/(jobs|batch|plots|api)/';
const L3 = '^src/(cli|web)/';
const ENTRY = '^src/index\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'base-imports-upward',
      comment: 'core, math, io and filters never import a method, a pipeline or an interface',
      severity: 'error',
      from: { path: L0 },
      to: { path: [L1, L2, L3, ENTRY] },
    },
    {
      name: 'method-imports-upward',
      comment: 'occupancy, resolution, diagnostics, decomposition, pixel-size and synthetic never import jobs, batch, plots, api, cli or web',
      severity: 'error',
      from: { path: L1 },
      to: { path: [L2, L3, ENTRY] },
    },
    {
      name: 'pipeline-imports-interface',
      comment: 'jobs, batch, plots and the public API never import the CLI or the web GUI',
      severity: 'error',
      from: { path: L2 },
      to: { path: [L3, ENTRY] },
    },
    {
      name: 'web-imports-cli',
      comment: 'the GUI (server and page) never imports the CLI: what both need lives in jobs or below',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-imports-web-internals',
      comment: 'the CLI starts the GUI through its server entry only (src/web/server), never the page',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/web/app/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '\\.wasm$'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
