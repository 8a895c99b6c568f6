import { PassThrough } from 'node:stream';
import { readSecretLine, type TerminalInput, terminalPrompter } from '../../cli/prompt';

/** A terminal to type into: raw-mode switches are recorded, everything shown is kept. */
const terminal = () => {
  const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] }) as PassThrough &
    TerminalInput & { modes: boolean[] };
  input.setRawMode = (mode: boolean) => input.modes.push(mode);
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk) => {
    shown += chunk;
  });
  return { input, output, shown: () => shown };
};

test('a secret is read in raw mode and never shown; Backspace, Ctrl-U and arrow keys edit it', async () => {
  const { input, output, shown } = terminal();
  const secret = readSecretLine(input, output, 'password: ');
  input.write('wrong\u0015s3cr');
  input.write('x\u007fet\u001b[D\u001bOC!\r');
  expect(await secret).toBe('s3cret!');
  expect(shown()).toBe('password: \n');
  expect(input.modes).toEqual([true, false]);
});

test('what is typed after Enter is left for the next question', async () => {
  const { input, output } = terminal();
  const first = readSecretLine(input, output, 'new password: ');
  input.write('één\rtwo\r');
  expect(await first).toBe('één');
  expect(await readSecretLine(input, output, 'again: ')).toBe('two');
});

test.each([
  ['\u0003', 'interrupted'],
  ['\u0004', 'cancelled'],
])('%j at the prompt gives up', async (key, message) => {
  const { input, output } = terminal();
  const secret = readSecretLine(input, output, 'password: ');
  input.write(`ab${key === '\u0004' ? '\u0015' : ''}${key}`);
  await expect(secret).rejects.toThrow(message);
  expect(input.modes).toEqual([true, false]);
});

test('without a terminal, each answer is the next line of stdin, and running out is a usage error', async () => {
  const input = new PassThrough();
  input.end('ana\r\npass word\n');
  const prompter = terminalPrompter(input, new PassThrough());
  expect(prompter.interactive).toBe(false);
  expect(await prompter.ask('user name: ')).toBe('ana');
  expect(await prompter.askSecret('password: ')).toBe('pass word');
  await expect(prompter.askSecret('new password: ')).rejects.toThrow(
    'standard input ended before the new password',
  );
});
