import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT, type ExitCode } from './cli-error';
import { collect } from './options';
import { redact } from './redact';

/**
 * `dbferry`: one-shot engine commands (copy, preview, diff) run in this process, and server
 * commands (login, connections, jobs, runs) through the API's typed client. Each action loads
 * its code only when it runs, so `--help` answers at once.
 */
interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
}

const COPY_EXAMPLES = `
Examples:
  $ dbferry copy postgres://app@db/sales mysql://root@127.0.0.1/warehouse --tables 'public.*'
  $ dbferry copy postgres://app@db/sales sqlite:///tmp/sales.db --tables public.orders --where "amount > 0" --json
  $ dbferry copy $SRC $DST --tables sales.orders --mode incremental --incremental-column updated_at
  $ dbferry copy $SRC $DST --tables sales.orders --mode incremental --incremental-column updated_at --since '2024-05-01 00:00:00'
  $ dbferry copy -f replication.yaml
  $ dbferry copy $SRC $DST --tables crm.customers --transform email:mask=hash --transform id:rename=customer_id \\
      --transform "full_name:expr=first_name || ' ' || last_name"    # hashes under DBFERRY_SALT

Exit codes: 0 ok, 1 a table failed, 2 bad usage, 3 done but some rows were rejected (--max-rejects).
Passwords in URLs are never printed; DB_HOSTS_ALLOW / DB_HOSTS_DENY apply as on the server.`;

const TRANSFORM_HELP = `
Column transforms (--transform, repeated; applied to every table of --tables; a replication file
gives them per table under transform:):
  COLUMN:rename=NEW            write the column under another name
  COLUMN:exclude               leave it out
  COLUMN:mask=hash             HMAC-SHA256 hex under the salt (--salt or DBFERRY_SALT, 16+ characters;
                               without one a random salt is used and hashes differ between copies)
  COLUMN:mask=last4|null|keepLast:N
  COLUMN:set=VALUE[:TYPE]      a constant (a new column when the table has none of that name)
  COLUMN:[type=TYPE,]expr=SQL  an expression in the source's SQL over the table's columns, evaluated
                               by the source (the rest of the flag, commas included)
  Joined by commas on one column: email:rename=email_hash,mask=hash. COLUMN=ACTION:ARG reads the same.`;

export function buildProgram(run: (code: Promise<ExitCode>) => void): Command {
  const program = new Command('dbferry')
    .description('Copy, preview and compare tables across PostgreSQL, MySQL/MariaDB, SQL Server, Oracle and SQLite; drive a dbferry server.')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text.startsWith('error:') ? `dbferry: ${text.slice(7)}` : text) })
    .addHelpText(
      'after',
      `
Examples:
  $ dbferry copy postgres://app@db/sales mysql://root@127.0.0.1/wh --tables 'public.*'
  $ dbferry preview postgres://app@db/sales sqlite:///tmp/out.db --tables public.orders
  $ dbferry diff postgres://app@db/sales mysql://root@127.0.0.1/wh --tables public.orders
  $ dbferry login http://localhost:3000 --username admin
  $ dbferry jobs run 7b1c…  --wait

Exit codes: 0 ok, 1 failed run, 2 bad usage, 3 partial (rows rejected).`,
    );
  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();

  program
    .command('copy')
    .description('copy tables from one database to another, in this process (no server needed)')
    .argument('[SOURCE_URL]', 'source database URL')
    .argument('[TARGET_URL]', 'target database URL')
    .option('-f, --file <file>', 'a replication file (YAML) naming the connections, defaults and tables')
    .option('-t, --tables <patterns>', 'tables to copy: schema.table, schema.* or a bare name in the source schema (comma-separated or repeated)', collect)
    .addOption(new Option('--mode <mode>', "full, or incremental (only rows whose --incremental-column is >= the target's largest, upserted by key)").choices(['full', 'incremental']))
    .addOption(new Option('--write-mode <mode>', 'how rows are written').choices(['insert', 'upsert', 'replace']))
    .option('--create-tables', 'create missing target tables (default)')
    .option('--no-create-tables', 'never create a target table')
    .option('--delete-missing', 'after an upsert, delete target rows the source no longer has')
    .option('--where <sql>', "a filter in the source's SQL, for every table")
    .option('--key-columns <columns>', 'key columns (comma-separated) when a table has no primary key')
    .option('--incremental-column <column>', 'the column an incremental copy reads from')
    .option('--since <value>', "incremental: read from this value of the column instead of the target's largest")
    .option('--target-schema <schema>', "the target schema (default: the target URL's own)")
    .option('--batch-size <rows>', 'rows per read/write batch (default 5000)')
    .option('--chunk-rows <rows>', 'rows per key-range chunk (default 100000)')
    .option('--concurrency <n>', 'chunks copied at once (default 4)')
    .option('--max-rejects <n>', 'rows the target may refuse before the copy fails (default 0); exit 3 when some were')
    .option('--transform <spec>', 'a column transform, e.g. email:mask=hash (repeatable; see below)', collect)
    .option('--salt <secret>', 'the salt mask=hash hashes with (default: DBFERRY_SALT, which other users cannot see in ps; else random for this copy)')
    .option('--no-progress', 'no progress bar or progress lines')
    .addHelpText('after', `${COPY_EXAMPLES}\n${TRANSFORM_HELP}`)
    .action((sourceUrl: string | undefined, targetUrl: string | undefined, options: Record<string, unknown>, command: Command) => {
      run(import('./one-shot/copy.command').then((m) => m.copyCommand(sourceUrl, targetUrl, { ...options, ...globals(command) })));
    });

  program
    .command('preview')
    .description('show what a copy would do, changing nothing: the DDL and each column\'s type mapping with its value-loss notes')
    .argument('[SOURCE_URL]', 'source database URL')
    .argument('[TARGET_URL]', 'target database URL')
    .option('-t, --tables <patterns>', 'tables: schema.table, schema.* or a bare name in the source schema (comma-separated or repeated)', collect)
    .option('--where <sql>', "a filter in the source's SQL")
    .option('--key-columns <columns>', 'key columns (comma-separated) when a table has no primary key')
    .option('--incremental-column <column>', 'the column an incremental copy reads from')
    .option('--target-schema <schema>', "the target schema (default: the target URL's own)")
    .option('--no-create-tables', 'plan without creating missing target tables')
    .option('--transform <spec>', 'a column transform, e.g. email:mask=hash (repeatable; see below)', collect)
    .addHelpText('after', `
Examples:
  $ dbferry preview postgres://app@db/sales mysql://root@127.0.0.1/wh --tables 'public.*'
  $ dbferry preview postgres://app@db/sales sqlite:///tmp/out.db --tables public.orders --json
  $ dbferry preview $SRC $DST --tables crm.customers --transform email:mask=hash --transform "total:type=decimal,expr=price * qty"
${TRANSFORM_HELP}`)
    .action((sourceUrl: string | undefined, targetUrl: string | undefined, options: Record<string, unknown>, command: Command) => {
      run(import('./one-shot/preview.command').then((m) => m.previewCommand(sourceUrl, targetUrl, { ...options, ...globals(command) })));
    });

  program
    .command('diff')
    .description('compare tables of two databases row by row (the arbitration engine, in this process)')
    .argument('[REF_URL]', 'the reference database URL')
    .argument('[OTHER_URL]', 'the database compared with it')
    .option('-t, --tables <patterns>', 'reference tables: schema.table, schema.* or a bare name in the reference schema (comma-separated or repeated)', collect)
    .option('--other-schema <schema>', "the other side's schema (default: the same schema for the same dialect, else the other URL's own)")
    .option('--key-columns <columns>', "key columns (default: the reference's primary key)")
    .option('--where <sql>', "a filter on the reference, in its SQL")
    .option('--concurrency <n>', 'segments compared at once (default 4)')
    .option('--limit <n>', 'keys listed per kind and table (default 20; the counts are always whole)')
    .option('--check', 'exit 1 when the tables differ')
    .addHelpText('after', `
Examples:
  $ dbferry diff postgres://app@db/sales mysql://root@127.0.0.1/wh --tables public.orders
  $ dbferry diff postgres://app@db/sales postgres://app@replica/sales --tables 'public.*' --check --json`)
    .action((refUrl: string | undefined, otherUrl: string | undefined, options: Record<string, unknown>, command: Command) => {
      run(import('./one-shot/diff.command').then((m) => m.diffCommand(refUrl, otherUrl, { ...options, ...globals(command) })));
    });

  program
    .command('login')
    .description('log in to a dbferry server; the token is saved in ~/.config/dbferry/credentials.json (mode 0600)')
    .argument('[SERVER_URL]', 'the API address, e.g. http://localhost:3000 (or DBFERRY_SERVER)')
    .option('-u, --username <name>', 'the user (or DBFERRY_USERNAME)')
    .addHelpText('after', `
The password is asked without echo, or read from DBFERRY_PASSWORD. DBFERRY_SERVER and DBFERRY_TOKEN,
when set, are used instead of the saved login by every server command.

Examples:
  $ dbferry login http://localhost:3000 --username admin
  $ DBFERRY_PASSWORD=… dbferry login http://localhost:3000 -u ops --json`)
    .action((server: string | undefined, options: Record<string, unknown>, command: Command) => {
      run(import('./server/login.command').then((m) => m.loginCommand(server, { ...options, ...globals(command) })));
    });

  const server = () => import('./server/server.commands');
  const connections = program.command('connections').description("the server's saved connections");
  connections
    .command('ls')
    .description('list the connections (never their passwords)')
    .action((_options: Record<string, unknown>, command: Command) => run(server().then((m) => m.connectionsLs(globals(command)))));
  connections
    .command('test')
    .description('test a connection from the server; exit 1 when it fails')
    .argument('<ID>', 'connection id')
    .action((id: string, _options: Record<string, unknown>, command: Command) => run(server().then((m) => m.connectionsTest(id, globals(command)))));

  const jobs = program.command('jobs').description("the server's sync jobs").addHelpText('after', `
Examples:
  $ dbferry jobs ls
  $ dbferry jobs run 7b1c0e9e-… --wait        # exit 0 ok, 1 failed, 3 rows rejected
  $ dbferry jobs logs 7b1c0e9e-… --level warn
  $ dbferry jobs apply -f replication.yaml`);
  jobs
    .command('ls')
    .description('list the jobs')
    .action((_options: Record<string, unknown>, command: Command) => run(server().then((m) => m.jobsLs(globals(command)))));
  jobs
    .command('run')
    .description('start a run of the job; --wait follows it to its end (exit code by its status)')
    .argument('<ID>', 'job id')
    .option('-w, --wait', 'follow the run until it ends')
    .action((id: string, options: Record<string, unknown>, command: Command) => run(server().then((m) => m.jobsRun(id, { ...options, ...globals(command) }))));
  jobs
    .command('logs')
    .description("the log of the job's latest run (or of --run ID)")
    .argument('<ID>', 'job id')
    .option('--run <id>', 'a run of the job other than the latest')
    .addOption(new Option('--level <level>', 'only this level').choices(['debug', 'info', 'warn', 'error']))
    .action((id: string, options: Record<string, unknown>, command: Command) => run(server().then((m) => m.jobsLogs(id, { ...options, ...globals(command) }))));
  jobs
    .command('apply')
    .description('create or update server jobs from a replication file (idempotent by job name)')
    .option('-f, --file <file>', 'the replication file (YAML)')
    .option('--name <name>', "the job's name (default: the file's name:)")
    .action((options: { file?: string; name?: string }, command: Command) => run(server().then((m) => m.jobsApply(options.file, { ...options, ...globals(command) }))));

  program
    .command('runs')
    .description('runs on the server')
    .command('watch')
    .description('follow a run (server-sent events) until it ends; exit code by its status')
    .argument('<ID>', 'run id')
    .action((id: string, _options: Record<string, unknown>, command: Command) => run(server().then((m) => m.runsWatch(id, globals(command)))));

  return program;
}

const USAGE_ERRORS = new Set(['ConnectionSpecError', 'EgressDeniedError']);

function printError(error: unknown, debug: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`dbferry: ${redact(message.split('\n')[0] ?? message)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`);
}

/** Runs the command line; resolves with the exit code (never throws). */
export async function main(argv: string[]): Promise<ExitCode> {
  let pending: Promise<ExitCode> | undefined;
  const program = buildProgram((code) => (pending = code));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return pending ? await pending : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.ok : EXIT.usage;
    }
    printError(error, debug);
    if (error instanceof CliError) return error.exitCode;
    // A URL the dialect cannot use, or a host the egress policy refuses, is the caller's to fix.
    return USAGE_ERRORS.has((error as Error)?.constructor?.name) ? EXIT.usage : EXIT.failed;
  }
}
