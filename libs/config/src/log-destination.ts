import type { DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * Where a process's pino lines go. json: unchanged, one object a line (for collectors).
 * pretty: one readable line per entry, `HH:MM:ss.l LEVEL service [context] message`, plus the
 * fields a line carries beyond the usual ones; written synchronously, so nothing is lost at exit.
 */
export function logDestination(format: LogFormat, destination: DestinationStream | NodeJS.WritableStream = process.stdout): DestinationStream {
  if (format === 'json') return destination as DestinationStream;
  return pinoPretty({
    destination,
    sync: true,
    colorize: destination === process.stdout ? undefined : false,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'pid,hostname,service,context,req,res,responseTime,route',
    messageFormat: '{if service}{service} {end}{if context}[{context}] {end}{msg}',
  });
}
