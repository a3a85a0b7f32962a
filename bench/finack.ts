// The finack every benchmark measures: the built package (dist/, what `import ... from 'finack'`
// gives a project that depends on it), not src/ loaded through tsx. tsx turns every imported binding
// into a getter call, and the same code runs 1.5 to 2.7 times slower that way (bench/README.md).
// `npm run bench` builds dist/ first; run.ts refuses a dist/ older than src/.

export * from '../dist/index.js';
