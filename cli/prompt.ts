/**
 * Questions to the person at the terminal: a user name (echoed), a password (never echoed: the
 * terminal is put in raw mode and nothing is written back). Without a terminal on stdin (a script, a
 * test) each answer is the next line of stdin, with no prompt.
 */
import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import { interrupted, usageError } from './errors';

export interface Prompter {
  /** A person is typing: a wrong answer can be asked again. */
  readonly interactive: boolean;
  ask(question: string): Promise<string>;
  askSecret(question: string): Promise<string>;
}

/** A terminal's input stream: what `process.stdin` is when it is a TTY. */
export interface TerminalInput extends Readable {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

const ESC = '\u001b';
/** What follows ESC in an escape sequence (arrow keys and the like): not part of a password. */
const AFTER_ESC = /^(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/;

/**
 * Reads one line from a terminal in raw mode: nothing typed is echoed, Backspace removes the last
 * character, Ctrl-U the whole line, Enter ends it, Ctrl-C aborts (exit 130), Ctrl-D on an empty line too.
 */
export const readSecretLine = (input: TerminalInput, output: Writable, question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const characters: string[] = [];
    // Echo off before the question shows: nothing typed after it may reach the screen.
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    output.write(question);
    const finish = (error: Error | null, typedAhead = '') => {
      input.off('data', onData);
      // What was typed after Enter is the next question's.
      if (typedAhead !== '') input.unshift(typedAhead);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(characters.join(''));
    };
    const onData = (chunk: string) => {
      let rest = chunk;
      while (rest !== '') {
        if (rest.startsWith(ESC)) {
          rest = rest.slice(ESC.length);
          rest = rest.slice(AFTER_ESC.exec(rest)?.[0].length ?? 0);
          continue;
        }
        const character = String.fromCodePoint(rest.codePointAt(0) as number);
        rest = rest.slice(character.length);
        if (character === '\r' || character === '\n') return finish(null, rest);
        if (character === '\u0003') return finish(interrupted());
        if (character === '\u0004') {
          if (characters.length === 0) return finish(interrupted('cancelled'));
          return finish(null);
        }
        if (character === '\u007f' || character === '\b') characters.pop();
        else if (character === '\u0015') characters.length = 0;
        else if (character >= ' ') characters.push(character);
      }
    };
    input.on('data', onData);
    input.resume();
  });

/** Answers from the lines of a non-terminal stdin, read once, in order. */
const linesOf = (input: Readable) => {
  let lines: Promise<string[]> | null = null;
  const read = async () => {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return text.split(/\r?\n/);
  };
  return async (what: string): Promise<string> => {
    lines ??= read();
    const queue = await lines;
    const line = queue.shift();
    if (line === undefined || (line === '' && queue.every((rest) => rest === '')))
      throw usageError(`standard input ended before the ${what}`);
    return line;
  };
};

/** Questions on stderr (stdout stays for results), answers from stdin. */
export const terminalPrompter = (
  input: TerminalInput = process.stdin,
  output: Writable = process.stderr,
): Prompter => {
  if (!input.isTTY) {
    const next = linesOf(input);
    const fromStdin = (question: string) => next(question.replace(/:\s*$/, ''));
    return { interactive: false, ask: fromStdin, askSecret: fromStdin };
  }
  return {
    interactive: true,
    async ask(question) {
      const prompt = createInterface({ input, output, terminal: true });
      // Ctrl-C at a readline prompt reaches readline, not the process: end the question with it.
      const cancel = new AbortController();
      prompt.on('SIGINT', () => cancel.abort());
      try {
        return (await prompt.question(question, { signal: cancel.signal })).trim();
      } catch (error) {
        if (cancel.signal.aborted) throw interrupted();
        throw error;
      } finally {
        prompt.close();
      }
    },
    askSecret: (question) => readSecretLine(input, output, question),
  };
};
