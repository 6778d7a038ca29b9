/**
 * A progress display for long CLI jobs: a live bar on a terminal, and a line every tenth of the
 * way when output goes to a file or CI log (so logs stay short but still show movement).
 */
export interface Progress {
  /** A plain function so it can be handed on as an `onProgress` callback. */
  readonly update: (done: number, total: number, label: string) => void;
  readonly finish: () => void;
}

export function createProgress(
  title: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const interactive = stream.isTTY;
  let lastDecile = -1;
  let drawn = false;
  return {
    update: (done, total, label) => {
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      if (interactive) {
        const width = 24;
        const filled = Math.round(ratio * width);
        const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
        const text = `${title} [${bar}] ${done}/${total} ${label}`;
        const columns = stream.columns > 0 ? stream.columns : 100;
        stream.write(`\r${text.slice(0, columns - 1).padEnd(columns - 1)}`);
        drawn = true;
        return;
      }
      const decile = Math.floor(ratio * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${title}: ${done}/${total} (${Math.round(ratio * 100)}%) ${label}\n`);
      }
    },
    finish: () => {
      if (interactive && drawn) stream.write('\n');
    },
  };
}
