/**
 * `camvault`: the vault's command-line client. It speaks only the HTTP contract (shared/api.md).
 * Exit codes: 0 ok, 1 other failure, 2 usage, 3 locked or conflict (409, 412), 4 not found,
 * 5 authentication or permission (401, 403), 130 interrupted (Ctrl-C).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { VaultApi } from './api';
import * as commands from './commands';
import { userFromToken } from './config';
import { CliError, EXIT } from './errors';
import { installInterruptHandlers, interruptSignal } from './interrupt';
import { createOutput } from './output';
import { resolveConnection } from './session';
import * as signin from './signin';

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

type Action = (context: commands.Context, ...args: never[]) => Promise<void>;

/** Wraps a command: connects (flags, then environment, then the login), then runs it with its arguments. */
const connected =
  (action: Action) =>
  async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const options = command.opts<CommonOptions>();
    const connection = await resolveConnection(options);
    const context: commands.Context = {
      api: new VaultApi(connection, interruptSignal),
      me: userFromToken(connection.token),
      out: createOutput(options.json === true),
      signal: interruptSignal,
    };
    // commander passes the declared arguments, then the options object, then the command.
    await (action as (context: commands.Context, ...rest: unknown[]) => Promise<void>)(
      context,
      ...args.slice(0, -1),
    );
  };

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

  common(program.command('get'))
    .description('download a version (read-only unless it is checked out to you), verified by SHA-256')
    .argument('<name>', 'the file in the vault')
    .option('--version <n>', 'this version instead of the latest', positiveInteger)
    .option('-o, --output <path>', 'where to save it (a file, or a directory); default: ./<base name>')
    .option('--force', 'overwrite a writable local file that has changes')
    .action(connected(commands.get as Action));

  common(program.command('checkout'))
    .description('take the lock and fetch the latest version into the working directory, writable')
    .argument('<name>', 'the file in the vault')
    .option('-m, --message <message>', 'why you are taking it (shown to others)')
    .option('-o, --output <path>', 'where to put it (a file, or a directory); default: ./<base name>')
    .option('--force', 'overwrite a writable local file that has changes')
    .action(connected(commands.checkout as Action));

  common(program.command('checkin'))
    .description('upload your changes as the next version and release the lock (no change: just release)')
    .argument('<name>', 'the file in the vault')
    .argument('[path]', 'the local file; default: ./<base name>')
    .option('-m, --message <message>', 'what changed')
    .option('--keep', 'keep the lock (and the file writable) after checking in')
    .action(connected(commands.checkin as Action));

  common(program.command('add'))
    .description('put a new file into the vault as version 1 (the local file becomes read-only)')
    .argument('<path>', 'the local file')
    .argument('[name]', 'its name in the vault; default: the base name of path')
    .option('-m, --message <message>', 'a note for version 1')
    .option('--keep', 'keep it checked out to you (and writable)')
    .action(connected(commands.add as Action));

  common(program.command('undo'))
    .description('release your lock without checking in (your local copy becomes read-only)')
    .argument('<name>', 'the file in the vault')
    .action(connected(commands.undo as Action));

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

export const main = async (argv: string[]): Promise<number> => {
  installInterruptHandlers();
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
