// Preloaded (-r) into the events bench's API and worker when they are CPU-profiled
// (BENCH_EVENTS_CPU_PROF): V8 writes a --cpu-prof profile only when the process exits, and NestJS's
// shutdown hooks end a process by raising SIGTERM again once shut down, which kills it before
// anything is written. This listener stays, so that second SIGTERM does not kill the process: it
// ends once its event loop is empty, or at most 3 s later through process.exit.
process.on('SIGTERM', () => setTimeout(() => process.exit(0), 3000).unref());
