import { Command, InvalidArgumentError, Option } from 'commander';
import { OUTPUT_FORMATS, type RenderOptionsInput } from '../model/render-options.ts';

/**
 * `networknodes render`'s Manim flags: the names, short forms, meanings and help texts of
 * `manim render` 0.22, grouped under the headings manim's help uses.
 */
export function addManimRenderOptions(cmd: Command): Command {
  const group = (heading: string, ...options: Option[]) => options.forEach((o) => cmd.addOption(o.helpGroup(heading)));
  group(
    'Global options:',
    new Option('--disable_caching', 'Render every play: the farm\'s play cache is neither read nor filled.'),
    new Option('--flush_cache', 'Remove the scene\'s cached plays from the farm\'s play cache before rendering.'),
    new Option('--preview_command <command>', 'The command used to preview the output file (for example vlc for video files)'),
    new Option('--seed <n>', 'Set the random seed to allow reproducibility.').argParser(wholeNumber('--seed')),
  );
  group(
    'Output options:',
    new Option('-o, --output_file <name>', 'Specify the filename of the rendered scene (one scene).'),
    new Option('--out-dir <dir>', 'Where outputs go (manim: --media_dir).').default('renders'),
  );
  group(
    'Render Options:',
    new Option('-n, --from_animation_number <n_0[,n_1]>', 'Start rendering from n_0 until n_1. If n_1 is left unspecified, renders all scenes after n_0.').argParser(playRangeArg),
    new Option('-a, --write_all', 'Render all scenes in the input file.'),
    new Option('--format <format>', 'Primary output format. PNG renders only the last frame; png-sequence writes every rendered frame.').choices(OUTPUT_FORMATS),
    new Option('-s, --save_last_frame', 'Fast-forward animations and save the last frame as PNG (equivalent to --format=png).'),
    new Option('-q, --quality <q>', 'Render quality at the follow resolution framerates, respectively: 854x480 15FPS, 1280x720 30FPS, 1920x1080 60FPS, 2560x1440 60FPS, 3840x2160 60FPS').choices(['l', 'm', 'h', 'p', 'k']),
    new Option('-r, --resolution <W,H>', 'Resolution in "W,H" for when 16:9 aspect ratio isn\'t possible.').argParser(resolutionArg),
    new Option('--fps, --frame_rate <fps>', 'Render at this frame rate.').argParser(positiveNumber('--fps')),
    new Option('--save_sections', 'Save section videos in addition to movie file.'),
    new Option('-t, --transparent', 'Render scenes with alpha channel.'),
  );
  group('Ease of access options:', new Option('-p, --preview', 'Open the completed media artifact after rendering.'));
  return cmd;
}

/** What commander hands the render action for the flags above. */
export interface ManimFlags {
  disable_caching?: boolean;
  flush_cache?: boolean;
  preview_command?: string;
  seed?: number;
  output_file?: string;
  outDir: string;
  from_animation_number?: [number] | [number, number];
  write_all?: boolean;
  format?: (typeof OUTPUT_FORMATS)[number];
  save_last_frame?: boolean;
  quality?: 'l' | 'm' | 'h' | 'p' | 'k';
  resolution?: [number, number];
  frame_rate?: number;
  save_sections?: boolean;
  transparent?: boolean;
  preview?: boolean;
}

/** The job's render options, as `manim render` would read the same flags. */
export function renderOptionsFromFlags(f: ManimFlags): RenderOptionsInput {
  return {
    quality: f.quality,
    // -s is --format=png
    format: f.save_last_frame ? 'png' : f.format,
    transparent: f.transparent ? true : undefined,
    fps: f.frame_rate,
    resolution: f.resolution,
    seed: f.seed,
    saveSections: f.save_sections ? true : undefined,
    plays: f.from_animation_number,
    cache: f.disable_caching ? 'off' : f.flush_cache ? 'flush' : undefined,
  };
}

/** Scene names to ask for: -a renders every scene of the file whatever is named, as manim does. */
export function scenesFromFlags(names: string[], f: ManimFlags): string[] {
  return f.write_all ? [] : names;
}

/** The flags manim takes that the farm cannot honour as asked, and why (printed, not silently dropped). */
export function flagNotes(f: ManimFlags): string[] {
  const notes = [];
  if (f.disable_caching && f.flush_cache) notes.push('--flush_cache with --disable_caching: the cache is not used, so nothing is flushed');
  return notes;
}

function wholeNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function playRangeArg(v: string): [number] | [number, number] {
  const parts = v.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if (parts.length > 2 || parts.some((p) => p === '') || nums.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidArgumentError('-n takes play numbers: n_0 or n_0,n_1 (e.g. -n 3,7)');
  }
  if (nums.length === 2 && nums[0]! > nums[1]!) throw new InvalidArgumentError(`-n ${v}: n_0 must not come after n_1`);
  return nums as [number] | [number, number];
}

function resolutionArg(v: string): [number, number] {
  const res = v.split(/[,x]/).map(Number);
  if (res.length !== 2 || res.some((n) => !Number.isInteger(n) || n <= 0)) throw new InvalidArgumentError('--resolution must be "W,H"');
  return res as [number, number];
}
