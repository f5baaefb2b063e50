// Preload for profiling a running proxy under load, without its start-up and shutdown in the profile:
//   node --import ./bench/tools/cpu-prof-signal.mjs packages/core/bin/proxycache.js run --config X
// The first SIGUSR2 starts the V8 CPU profiler, the second writes <CPU_PROF_DIR>/<pid>-<n>.cpuprofile
// (default: the working directory) and prints its path on stderr. Read it with bench/tools/profile-top.mjs.
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.CPU_PROF_DIR || process.cwd();
const session = new Session();
session.connect();
let running = false;
let n = 0;

const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))),
  );

process.on('SIGUSR2', async () => {
  try {
    if (!running) {
      running = true;
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      return;
    }
    running = false;
    const { profile } = await post('Profiler.stop');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${process.pid}-${++n}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`cpu profile written: ${file}\n`);
  } catch (err) {
    process.stderr.write(`cpu profiling failed: ${err}\n`);
  }
});
