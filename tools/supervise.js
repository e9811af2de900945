// Keeps one process running: `node tools/supervise.js <name> -- <command> [args...]`.
// When the process exits on its own (a crash, an OOM kill, SIGKILL), it is started again after a
// backoff of 1 s doubling to 30 s, reset once a run has lasted a minute. SIGINT/SIGTERM/SIGHUP to
// the supervisor are passed on and end it when the process has exited (npm start's Ctrl-C).
const { spawn } = require('node:child_process');

const [name, separator, command, ...args] = process.argv.slice(2);
if (!name || separator !== '--' || !command) {
  process.stderr.write('usage: node tools/supervise.js <name> -- <command> [args...]\n');
  process.exit(2);
}

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const STABLE_AFTER_MS = 60_000;
const say = (text) => process.stdout.write(`[supervise] ${name} ${text}\n`);

let child;
let stopping;
let delay = FIRST_DELAY_MS;
let timer;

function start() {
  const startedAt = Date.now();
  child = spawn(command, args, { stdio: 'inherit' });
  say(`started, pid ${child.pid}`);
  child.once('error', (error) => say(`could not start: ${error.message}`));
  child.once('exit', (code, signal) => {
    child = undefined;
    if (stopping) process.exit(code ?? 0);
    if (Date.now() - startedAt >= STABLE_AFTER_MS) delay = FIRST_DELAY_MS;
    say(`exited (${signal ? `signal ${signal}` : `code ${code}`}); starting it again in ${delay / 1000} s`);
    timer = setTimeout(start, delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = signal;
    clearTimeout(timer);
    if (child) child.kill(signal);
    else process.exit(0);
  });
}

start();
