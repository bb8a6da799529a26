import { OUTPUT_FORMATS, type RenderOptions } from '../model/render-options.ts';

const QUALITIES: [string, string][] = [['l', 'low (480p15)'], ['m', 'medium (720p30)'], ['h', 'high (1080p60)'], ['p', '1440p60'], ['k', '4K (2160p60)']];

/** Submit from the browser: a .py file (and assets, or a folder), its scenes, quality and format.
 *  The page's module reads the scenes out of the file and posts the form to `POST /jobs`. */
export function SubmitForm({ defaults }: { defaults: RenderOptions }) {
  return (
    <form id="submit" class="card submit" aria-labelledby="submit-h" data-submit>
      <h2 id="submit-h">Render a scene</h2>
      <label class="drop" for="files">
        <span class="drop-main">Drop a <code>.py</code> file here (and its assets), or <u>choose files</u></span>
        <span class="drop-files faint small" id="files-picked" aria-live="polite">no file chosen</span>
      </label>
      <input id="files" name="file" type="file" multiple class="sr-only" accept=".py,.png,.jpg,.jpeg,.svg,.wav,.mp3,.ogg,.txt,.json,.csv,.tex,.ttf,.otf" />
      <div class="folder small">
        <label for="folder" class="link-button">or choose a folder</label>
        <input id="folder" type="file" webkitdirectory multiple class="sr-only" />
      </div>
      <div class="opts" id="entry-row" hidden>
        <label for="entry">Scene file</label>
        <select id="entry" name="entry" />
      </div>
      <fieldset id="scenes" class="scenes" hidden>
        <legend>Scenes</legend>
        <div id="scene-list" />
      </fieldset>
      <div class="opts">
        <label for="quality">Quality</label>
        <select id="quality" name="quality">
          {QUALITIES.map(([v, l]) => <option value={v} selected={v === defaults.quality}>{l}</option>)}
        </select>
        <label for="format">Format</label>
        <select id="format" name="format">
          {OUTPUT_FORMATS.map((f) => <option value={f} selected={f === defaults.format}>{f}</option>)}
        </select>
      </div>
      <div class="row">
        <button type="submit" class="primary" id="submit-button" disabled>Render</button>
        <span id="submit-status" class="small" role="status" />
      </div>
    </form>
  );
}
