/**
 * Sample-rate conversion by band-limited interpolation: a Kaiser-windowed sinc low-pass evaluated
 * as a polyphase FIR. Converting `from` → `to` Hz is upsampling by L and downsampling by M
 * (L/M = to/from in lowest terms); output sample j sits at input position j·M/L, whose fractional
 * part is one of L phases, each with its own precomputed tap set.
 *
 * The cut-off is 0.45 × the lower of the two rates, so going down to 8 kHz the pass band reaches
 * 3.6 kHz (beyond the 3.4 kHz telephone band) and, with 32 zero crossings each side and Kaiser
 * β = 8 (about 80 dB stop-band), the transition band ends before 4 kHz: content that would alias
 * (a 6 kHz tone in a 44.1 kHz file folding to 2 kHz) is suppressed by about 80 dB.
 *
 * Conversions run once per prompt file or synthesized sentence and are cached by the callers, so
 * clarity wins over speed here; a minute of 44.1 kHz audio converts in well under a second.
 */

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side (filter length); default 32. */
  readonly zeroCrossings?: number;
  /** Kaiser window β (stop-band attenuation ≈ 8.7 + β / 0.1102 dB); default 8. */
  readonly kaiserBeta?: number;
  /** Cut-off as a fraction of the lower rate; default 0.45 (just under Nyquist, 0.5). */
  readonly cutoff?: number;
}

/**
 * Phase resolution of the interpolated table, per unit of normalised cut-off. The kernel varies on
 * the scale of 1/wc input samples, so 1024·wc rows keep linear interpolation between rows below
 * -110 dB and the table size near 1024 × 2 × zero crossings whatever the rates.
 */
const ROWS_PER_CUTOFF = 1024;
const MIN_ROWS = 16;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind, by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k += 1) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

interface Kernel {
  /** Taps per phase; tap i of a phase multiplies input sample `base + i - half`. */
  readonly taps: number;
  readonly half: number;
  /** `phases × taps` coefficients, each phase normalised to unity gain at DC. */
  readonly table: Float64Array;
  readonly phases: number;
}

/** Cut-off in cycles per input sample, doubled (1 = the input's Nyquist): the sinc's scale. */
function normalisedCutoff(from: number, to: number, options: ResampleOptions): number {
  return (2 * (options.cutoff ?? 0.45) * Math.min(from, to)) / from;
}

/** Builds `phases` tap sets; phase p is for the fractional input position p / `denominator`. */
function buildKernel(
  from: number,
  to: number,
  options: ResampleOptions,
  phases: number,
  denominator: number,
): Kernel {
  const zeroCrossings = options.zeroCrossings ?? 32;
  const beta = options.kaiserBeta ?? 8;
  const wc = normalisedCutoff(from, to, options);
  const halfWidth = zeroCrossings / wc; // in input samples
  const half = Math.ceil(halfWidth);
  const taps = 2 * half + 2;
  const table = new Float64Array(phases * taps);
  const i0Beta = besselI0(beta);
  for (let p = 0; p < phases; p += 1) {
    const frac = p / denominator;
    let sum = 0;
    for (let i = 0; i < taps; i += 1) {
      const x = frac - (i - half); // distance from the output instant to the input sample
      let h = 0;
      if (Math.abs(x) < halfWidth) {
        const arg = Math.PI * wc * x;
        const sinc = arg === 0 ? 1 : Math.sin(arg) / arg;
        const r = x / halfWidth;
        h = sinc * (besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta);
      }
      table[p * taps + i] = h;
      sum += h;
    }
    for (let i = 0; i < taps; i += 1) table[p * taps + i] = (table[p * taps + i] ?? 0) / sum;
  }
  return { taps, half, table, phases };
}

/** Kernels are reused across calls: a process converts between a handful of rate pairs. */
const kernels = new Map<string, Kernel>();

function kernelFor(
  from: number,
  to: number,
  options: ResampleOptions,
  phases: number,
  denominator: number,
): Kernel {
  const key = `${from}/${to}/${options.zeroCrossings ?? ''}/${options.kaiserBeta ?? ''}/${options.cutoff ?? ''}`;
  let kernel = kernels.get(key);
  if (kernel === undefined) {
    kernel = buildKernel(from, to, options, phases, denominator);
    if (kernels.size >= 32) kernels.clear();
    kernels.set(key, kernel);
  }
  return kernel;
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) {
    throw new RangeError(`${name} rate must be a positive whole number of Hz, got ${rate}`);
  }
}

/** Converts mono float samples from one rate to another. */
export function resample(
  input: Float32Array,
  from: number,
  to: number,
  options: ResampleOptions = {},
): Float32Array {
  checkRate('source', from);
  checkRate('target', to);
  if (from === to) return input.slice();
  const g = gcd(from, to);
  const up = to / g; // L
  const down = from / g; // M
  const outLength = Math.floor((input.length * up) / down);
  const output = new Float32Array(outLength);
  // Exact: one tap set per fraction p/L when there are few. Otherwise `rows` + 1 tap sets for
  // fractions spanning [0, 1] inclusive, linearly interpolated (odd rates such as 7999 Hz).
  const rows = Math.max(MIN_ROWS, Math.ceil(ROWS_PER_CUTOFF * normalisedCutoff(from, to, options)));
  const exact = up <= rows;
  const kernel = exact
    ? kernelFor(from, to, options, up, up)
    : kernelFor(from, to, options, rows + 1, rows);
  const { taps, half, table } = kernel;
  const n = input.length;
  for (let j = 0; j < outLength; j += 1) {
    const position = j * down;
    const base = Math.floor(position / up);
    const phase = position - base * up;
    const first = base - half;
    let acc = 0;
    if (exact) {
      const row = phase * taps;
      for (let i = 0; i < taps; i += 1) {
        const k = first + i;
        if (k >= 0 && k < n) acc += (input[k] ?? 0) * (table[row + i] ?? 0);
      }
    } else {
      const t = (phase / up) * rows;
      const lower = Math.floor(t);
      const weight = t - lower;
      const row0 = lower * taps;
      const row1 = row0 + taps;
      for (let i = 0; i < taps; i += 1) {
        const k = first + i;
        if (k >= 0 && k < n) {
          const c0 = table[row0 + i] ?? 0;
          const c1 = table[row1 + i] ?? 0;
          acc += (input[k] ?? 0) * (c0 + (c1 - c0) * weight);
        }
      }
    }
    output[j] = acc;
  }
  return output;
}

/** Float samples in [-1, 1] to 16-bit PCM, rounded and clipped. */
export function floatToInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i += 1) {
    const v = Math.round((samples[i] ?? 0) * 32768);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** 16-bit PCM to float samples in [-1, 1]. */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i += 1) out[i] = (samples[i] ?? 0) / 32768;
  return out;
}

/** Converts 16-bit PCM between rates (via float). */
export function resampleInt16(
  input: Int16Array,
  from: number,
  to: number,
  options?: ResampleOptions,
): Int16Array {
  if (from === to) return input.slice();
  return floatToInt16(resample(int16ToFloat(input), from, to, options));
}
