/**
 * What a flow asks to play, as the media player plays it. Recorded prompts named in a flow are
 * the user's files under `prompts/<userId>/` in the data directory (the flow schema allows bare
 * file names only, so a flow cannot reach outside); greetings from the voicemail service are
 * already paths relative to the data directory.
 */
import { posix } from 'node:path';
import { SAMPLE_RATE, type PlayItem } from '@switchboard/media';
import type { Prompt } from '@switchboard/flow';
import type { GreetingPrompt } from '../domain/ports/voicemail-box.js';

/** The folder of a user's recorded prompts, relative to the data directory. */
export function promptFolder(userId: string): string {
  return posix.join('prompts', userId);
}

/** A flow's prompts for the player (file names resolved in the user's prompt folder). */
export function flowPlayItems(prompts: readonly Prompt[], userId: string): PlayItem[] {
  return prompts.map((prompt) =>
    prompt.kind === 'file'
      ? { file: posix.join(promptFolder(userId), prompt.file) }
      : toPlayItem(prompt),
  );
}

/** A greeting from the voicemail service: file paths are relative to the data directory. */
export function greetingPlayItems(prompts: readonly GreetingPrompt[]): PlayItem[] {
  return prompts.map(toPlayItem);
}

function toPlayItem(prompt: GreetingPrompt): PlayItem {
  switch (prompt.kind) {
    case 'file':
      return { file: prompt.file };
    case 'tts':
      return prompt.voice === undefined
        ? { speech: prompt.text }
        : { speech: prompt.text, voice: prompt.voice };
    case 'silence':
      return { silenceMs: prompt.ms };
  }
}

/** The tone before a voicemail recording: 1 kHz for 400 ms at -10 dBFS, 5 ms fades. */
export const BEEP: Int16Array = tone(1000, 400, -10);

function tone(frequency: number, ms: number, dbfs: number): Int16Array {
  const count = Math.round((SAMPLE_RATE * ms) / 1000);
  const fade = Math.round(SAMPLE_RATE * 0.005);
  const amplitude = 32767 * 10 ** (dbfs / 20);
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i += 1) {
    const envelope = Math.min(1, i / fade, (count - 1 - i) / fade);
    samples[i] = Math.round(
      amplitude * envelope * Math.sin((2 * Math.PI * frequency * i) / SAMPLE_RATE),
    );
  }
  return samples;
}
