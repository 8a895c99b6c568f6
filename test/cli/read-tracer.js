// Preloaded into a CLI child with `node --require` (NODE_OPTIONS): records every file under
// CAMVAULT_TEST_TRACE_ROOT (outside its .camvault-workspace/ state) that the process opens or reads
// through node:fs, and writes the list (each path once) as JSON to CAMVAULT_TEST_TRACE_OUT on exit. It sits outside
// the CLI, so the CLI cannot hide a read from it. Tests only.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.env.CAMVAULT_TEST_TRACE_ROOT ?? '');
const out = process.env.CAMVAULT_TEST_TRACE_OUT ?? '';
const state = path.join(root, '.camvault-workspace');
const opened = new Set();

const note = (target) => {
  if (typeof target !== 'string' && !(target instanceof URL) && !Buffer.isBuffer(target)) return;
  const full = path.resolve(target instanceof URL ? target.pathname : String(target));
  const inside = (folder) => full === folder || full.startsWith(folder + path.sep);
  if (inside(root) && !inside(state)) opened.add(path.relative(root, full));
};
const wrap = (owner, name) => {
  const original = owner[name];
  owner[name] = function traced(target, ...rest) {
    note(target);
    return original.call(this, target, ...rest);
  };
};
for (const name of ['open', 'openSync', 'readFile', 'readFileSync', 'createReadStream']) wrap(fs, name);
for (const name of ['open', 'readFile']) wrap(fs.promises, name);

process.on('exit', () => fs.writeFileSync(out, JSON.stringify([...opened])));
