/**
 * `camvault`: the vault's command-line client. It speaks only the HTTP contract (shared/api.md).
 * Exit codes: 0 ok, 1 other failure, 2 usage, 3 locked or conflict (409, 412), 4 not found,
 * 5 authentication or permission (401, 403), 130 interrupted (Ctrl-C).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EVENT_TYPES } from '#shared/events';
import { VaultApi } from './api';
import * as commands from './commands';
import { userFromToken } from './config';
import { CliError, EXIT, usageError } from './errors';
import { gitCredential } from './git-credential';
import { installInterruptHandlers, interruptSignal } from './interrupt';
import * as notifications from './notification-commands';
import { createOutput } from './output';
import { type Overrides, resolveConnection } from './session';
import * as signin from './signin';
import { sync } from './sync';
import type { VaultContext } from './vault-commands';
import * as vault from './vault-commands';
import { Workspace } from './workspace';
import type { WorkspaceContext } from './workspace-commands';
import * as workspaceCommands from './workspace-commands';

interface CommonOptions {
  json?: boolean;
  url?: string;
  token?: string;
}

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 other failure, 2 usage, 3 locked or conflict, 4 not found,
5 not logged in or not allowed, 130 interrupted.
Configuration: camvault login stores the URL and your sign-in (never your password) in
$CAMVAULT_CONFIG_DIR, else $XDG_CONFIG_HOME/camvault, else ~/.config/camvault; CAMVAULT_URL and
CAMVAULT_TOKEN override it. A Cognito sign-in is renewed by itself for as long as the user pool allows.`;

const positiveInteger = (raw: string): number => {
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw new InvalidArgumentError('must be an integer of at least 1');
  return Number(raw);
};

/** Every command takes --json, --url and --token. */
const common = (command: Command): Command =>
  command
    .option('--json', 'print the result as JSON (errors as one JSON line on stderr)')
    .option('--url <url>', 'the vault URL (overrides CAMVAULT_URL and the login)')
    .option('--token <token>', 'the bearer token (overrides CAMVAULT_TOKEN and the login)');

type Action = (context: VaultContext, ...args: never[]) => Promise<unknown>;

/**
 * Wraps a command: finds the workspace the current directory is in (if any), connects (flags, then
 * environment, then the workspace's URL, then the login), then runs it with its arguments.
 */
const connected =
  (action: Action) =>
  async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const options = command.opts<CommonOptions>();
    const cwd = process.cwd();
    const workspace = await Workspace.find(cwd);
    const connection = await resolveConnection({
      ...options,
      url: options.url || process.env.CAMVAULT_URL || workspace?.url || undefined,
    });
    const context: VaultContext = {
      api: new VaultApi(connection, interruptSignal),
      me: userFromToken(connection.token),
      out: createOutput(options.json === true),
      signal: interruptSignal,
      workspace,
      cwd,
    };
    // commander passes the declared arguments, then the options object, then the command.
    await (action as (context: VaultContext, ...rest: unknown[]) => Promise<unknown>)(
      context,
      ...args.slice(0, -1),
    );
  };

/** The workspace the command runs in, or exit 2 saying how to make one. */
const requireWorkspace = (context: VaultContext): WorkspaceContext => {
  if (!context.workspace)
    throw usageError(
      `${context.cwd} is not in a camvault workspace: run camvault init in the folder to sync`,
    );
  return context as WorkspaceContext;
};

/** Outside a workspace (or with an explicit place), a command acts on vault names as it always did. */
const withoutWorkspace = (context: VaultContext, explicit: unknown): boolean =>
  context.workspace === null || explicit !== undefined;

export const buildProgram = (json: boolean): Command => {
  const program = new Command('camvault')
    .description('Check CNC programming files out of and into the camvault vault.')
    .version('0.1.0')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      outputError: (text, write) => {
        const message = text.replace(/^error: /, '').trim();
        write(
          json
            ? `${JSON.stringify({ error: { code: 'USAGE', message } })}\n`
            : `camvault: ${message} (see camvault --help)\n`,
        );
      },
    })
    .addHelpText('after', EXIT_CODES_HELP);

  common(program.command('login'))
    .description(
      'sign in: with a Cognito user pool (asks for your user name and password) or with a token; stored owner-only in your config directory',
    )
    .option('--user-pool-client-id <id>', "the vault's Cognito app client (the stack output AppClientId)")
    .option('--region <region>', "the user pool's AWS region (the stack output Region)")
    .option('--cognito-endpoint <url>', 'another Cognito endpoint, e.g. an emulator')
    .option('--username <name>', 'your user name (otherwise asked)')
    .addHelpText(
      'after',
      `
A Cognito sign-in asks for the password in the terminal without showing it (without a terminal:
one answer per line of standard input); a first sign-in with a temporary password sets your own.
Later, plain "camvault login" signs in again with the same user pool.
A token (e.g. the local server's dev token) comes from --token, CAMVAULT_TOKEN or standard input.`,
    )
    .action(async (options: signin.LoginOptions & CommonOptions) => {
      await signin.login(
        (url, token) => new VaultApi({ url, token }, interruptSignal),
        createOutput(options.json === true),
        options,
      );
    });

  common(program.command('whoami'))
    .description('who the vault will take you for: user, groups, vault URL and when the sign-in expires')
    .action(async (options: CommonOptions) => {
      await signin.whoami(createOutput(options.json === true), options);
    });

  program
    .command('logout')
    .description('sign out: revoke a Cognito sign-in and remove the stored tokens (the URL is kept)')
    .option('--json', 'print the result as JSON (errors as one JSON line on stderr)')
    .action(async (options: CommonOptions) => {
      await signin.logout(createOutput(options.json === true));
    });

  program
    .command('git-credential')
    .description("Git's credential helper for the vault's Git LFS server: hands Git your sign-in")
    .argument('<operation>', 'get, store or erase: Git says which')
    .option('--url <url>', 'the vault URL (overrides CAMVAULT_URL and the login)')
    .option('--token <token>', 'the bearer token (overrides CAMVAULT_TOKEN and the login)')
    .addHelpText(
      'after',
      `
Set it for the vault's URL only, e.g.
  git config --global credential.https://vault.example.com.helper "!camvault git-credential"
It answers only Git's requests for that protocol and host (any other gets nothing), with your user
name and your token as the password; a Cognito sign-in is renewed first when about to expire.`,
    )
    .action(async (operation: string, options: Overrides) => {
      await gitCredential(operation, options, { input: process.stdin, output: process.stdout });
    });

  common(program.command('ls'))
    .description('list files: name, version, size, modified, status, holder')
    .argument('[prefix]', 'only names starting with this (case-insensitive), e.g. fixtures/')
    .addOption(
      new Option('--status <status>', 'only files in this state').choices(['available', 'checked_out']),
    )
    .option('--mine', 'only files checked out to you')
    .action(connected(commands.ls as Action));

  common(program.command('info'))
    .description("one file's version, size, SHA-256 and who has it")
    .argument('<name>', 'the file in the vault, e.g. "fixtures/Plate A.mcam"')
    .action(connected(commands.info as Action));

  common(program.command('history'))
    .description("a file's versions, newest first")
    .argument('<name>', 'the file in the vault')
    .action(connected(commands.history as Action));

  common(program.command('locks'))
    .description('who has what checked out')
    .option('--user <user>', "only this user's locks")
    .action(connected(commands.locks as Action));

  common(program.command('init'))
    .description(
      'make the current directory a workspace of the vault (or of one folder): sync, status and paths work inside it',
    )
    .argument('[prefix]', 'the vault folder it holds, ending in /, e.g. fixtures/; default: the whole vault')
    .action(async (prefix: string | undefined, options: CommonOptions) => {
      await workspaceCommands.init(
        { out: createOutput(options.json === true) },
        process.cwd(),
        prefix,
        options.url,
      );
    });

  common(program.command('status'))
    .description(
      'what changed here and in the vault, one line a file: local edits, newer versions, locks, new and deleted files',
    )
    .argument('[path]', 'a folder or file of the workspace; default: the current directory')
    .addHelpText(
      'after',
      `
Columns: local (M modified, ! missing, ? not from the vault), vault (> newer version, + not here yet,
D deleted, R moved, ? not in the vault), lock (K checked out by you, L by someone else).`,
    )
    .action(
      connected((context, path: string | undefined) =>
        workspaceCommands.status(requireWorkspace(context), path),
      ),
    );

  common(program.command('sync'))
    .description(
      'get the latest: download what is out of date (verified, read-only unless checked out to you), never overwriting a local change',
    )
    .argument('[path]', 'a folder or file of the workspace; default: the current directory')
    .action(connected((context, path: string | undefined) => sync(requireWorkspace(context), path)));

  common(program.command('get'))
    .description('download a version (read-only unless it is checked out to you), verified by SHA-256')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .option('--version <n>', 'this version instead of the latest', positiveInteger)
    .option(
      '-o, --output <path>',
      'where to save it (a file, or a directory); default: ./<base name>, or its place in the workspace',
    )
    .option('--force', 'overwrite a local file that has changes')
    .action(
      connected((context, name: string, options: { version?: number; output?: string; force?: boolean }) =>
        withoutWorkspace(context, options.output)
          ? commands.get(context, name, options)
          : workspaceCommands.get(context as WorkspaceContext, name, options),
      ),
    );

  common(program.command('checkout'))
    .description(
      'take the lock and fetch the latest version into the working directory (or its place in the workspace), writable',
    )
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .option('-m, --message <message>', 'why you are taking it (shown to others)')
    .option(
      '-o, --output <path>',
      'where to put it (a file, or a directory); default: ./<base name>, or its place in the workspace',
    )
    .option('--force', 'overwrite a local file that has changes')
    .action(
      connected((context, name: string, options: { message?: string; output?: string; force?: boolean }) =>
        withoutWorkspace(context, options.output)
          ? commands.checkout(context, name, options)
          : workspaceCommands.checkout(context as WorkspaceContext, name, options),
      ),
    );

  common(program.command('checkin'))
    .description('upload your changes as the next version and release the lock (no change: just release)')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .argument('[path]', 'the local file; default: ./<base name>, or its place in the workspace')
    .option('-m, --message <message>', 'what changed')
    .option('--keep', 'keep the lock (and the file writable) after checking in')
    .action(
      connected(
        (context, name: string, path: string | undefined, options: { message?: string; keep?: boolean }) =>
          withoutWorkspace(context, path)
            ? commands.checkin(context, name, path, options)
            : workspaceCommands.checkin(context as WorkspaceContext, name, options),
      ),
    );

  common(program.command('add'))
    .description('put a new file into the vault as version 1 (the local file becomes read-only)')
    .argument('<path>', 'the local file')
    .argument(
      '[name]',
      'its name in the vault; default: the base name of path, or its place in the workspace',
    )
    .option('-m, --message <message>', 'a note for version 1')
    .option('--keep', 'keep it checked out to you (and writable)')
    .action(
      connected(
        (context, path: string, name: string | undefined, options: { message?: string; keep?: boolean }) =>
          withoutWorkspace(context, name)
            ? commands.add(context, path, name, options)
            : workspaceCommands.add(context as WorkspaceContext, path, options),
      ),
    );

  common(program.command('undo'))
    .description('release your lock without checking in (your local copy becomes read-only)')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .action(
      connected((context, name: string) =>
        withoutWorkspace(context, undefined)
          ? commands.undo(context, name)
          : workspaceCommands.undo(context as WorkspaceContext, name),
      ),
    );

  common(program.command('mv'))
    .description('move or rename a file you have checked out; in a workspace the local copy moves too')
    .argument('<from>', 'the file: a vault name, or in a workspace a local path')
    .argument('<to>', 'its new name (or a folder, ending in /)')
    .option('-m, --message <message>', 'why')
    .action(connected(vault.move as Action));

  common(program.command('rm'))
    .description(
      'delete a file you have checked out (to the trash, with all its versions); an unchanged local copy goes too',
    )
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .option('-m, --message <message>', 'why')
    .action(connected(vault.remove as Action));

  common(program.command('restore'))
    .description('bring a deleted file back from the trash, with all its versions')
    .argument(
      '<name>',
      'its name when it was deleted (the newest such deletion), or its file id from camvault trash',
    )
    .option('--as <name>', 'restore it under another name')
    .action(connected(vault.restore as Action));

  common(program.command('revert'))
    .description('check in the bytes of an earlier version as the next version (needs your lock)')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .requiredOption('--to <n>', 'the version to go back to', positiveInteger)
    .option('-m, --message <message>', 'why (default: "revert to version N")')
    .option('--keep', 'keep the lock after reverting')
    .action(connected(vault.revert as Action));

  common(program.command('release'))
    .description('leads: approve a version for the shop floor')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .option('--version <n>', 'the version to release; default: the latest', positiveInteger)
    .requiredOption('-m, --message <message>', 'why it is approved')
    .action(connected(vault.release as Action));

  common(program.command('withdraw'))
    .description('leads: withdraw the released version (operators then see none)')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .requiredOption('-m, --message <message>', 'why')
    .action(connected(vault.withdraw as Action));

  common(program.command('trash'))
    .description('deleted files, newest deletion first')
    .argument('[prefix]', 'only names starting with this')
    .action(connected(vault.trash as Action));

  common(program.command('audit'))
    .description('the audit trail, newest first: every committed change, who and when')
    .argument('[name]', "one file's entries (followed across moves)")
    .option('--user <user>', "only this user's changes")
    .option('--type <type>', 'only this type, e.g. FileCheckedIn')
    .option('--since <time>', 'only entries from this ISO-8601 time on')
    .option('--limit <n>', 'at most this many (default 50)', positiveInteger)
    .action(connected(vault.audit as Action));

  common(program.command('me'))
    .description('who the vault takes you for: user, role and groups (asks the vault)')
    .action(connected(vault.me as Action));

  common(program.command('watch'))
    .description(
      'hear of every change under a folder (or to one file) in your inbox, and by e-mail where the vault sends it',
    )
    .argument(
      '<prefix>',
      'a vault folder ending in / (e.g. fixtures/) or a file; in a workspace also a local folder or file',
    )
    .addOption(
      new Option('--type <types...>', 'only these events, e.g. FileCheckedIn FileReleased').choices(
        EVENT_TYPES,
      ),
    )
    .action(connected(notifications.watch as Action));

  common(program.command('unwatch'))
    .description('stop watching a folder or file')
    .argument('<prefix>', 'what you watch (as camvault watches shows it, or a local path), or its watch id')
    .action(connected(notifications.unwatch as Action));

  common(program.command('watches'))
    .description('what you watch')
    .action(connected(notifications.watches as Action));

  common(program.command('request'))
    .description('ask whoever has a file checked out for it; your inbox tells you when it is free')
    .argument('<name>', 'the file: a vault name, or in a workspace a local path')
    .option('-m, --message <message>', 'why you need it (the holder sees it)')
    .action(connected(notifications.request as Action));

  common(program.command('inbox'))
    .description(
      'your notifications, unread (*) first: changes you watch, requests for your files, files you asked for that are free, broken locks',
    )
    .option(
      '--limit <n>',
      `how many to show (default ${notifications.INBOX_DEFAULT_LIMIT}); every unread one is shown however many`,
      positiveInteger,
    )
    .option('--mark-read', 'mark every notification shown (and older) read')
    .action(connected(notifications.inbox as Action));

  common(program.command('break'))
    .description("admins: break anyone's lock")
    .argument('<name>', 'the file in the vault')
    .action(connected(commands.breakLock as Action));

  return program;
};

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

/** Prints a failure in one line (or one JSON line) on stderr and returns the exit code. */
const report = (error: unknown, json: boolean): number => {
  if (error instanceof CommanderError) {
    // commander has printed the message (or the help) already.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  let failure: CliError;
  if (error instanceof CliError) failure = error;
  else if (interruptSignal.aborted) failure = new CliError('interrupted', EXIT.interrupted, 'INTERRUPTED');
  else failure = new CliError((error as Error)?.message ?? String(error), EXIT.other, 'ERROR');
  process.stderr.write(
    json
      ? `${JSON.stringify({ error: { code: failure.code, message: oneLine(failure.message), exitCode: failure.exitCode, ...failure.details } })}\n`
      : `camvault: ${oneLine(failure.message)}\n`,
  );
  return failure.exitCode;
};

/** A reader that went away (`camvault ls | head -1`) ends the command quietly, as it ends `ls` or `git log`. */
const endQuietlyOnClosedPipe = (): void => {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(EXIT.ok);
  });
};

export const main = async (argv: string[]): Promise<number> => {
  installInterruptHandlers();
  endQuietlyOnClosedPipe();
  const json = argv.includes('--json');
  try {
    await buildProgram(json).parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    return report(error, json);
  }
};

// Exit explicitly: idle keep-alive sockets must not hold the process open.
void main(process.argv).then((code) => process.exit(code));
