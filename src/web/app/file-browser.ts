/**
 * The file browser: folders and map files under the server's root (`GET /api/files`); a click
 * on a folder lists it, a click on a map opens it.
 */
import type { FileEntry } from '../api.js';
import { listFiles } from './api-client.js';

/** Human-readable byte count. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A folder listing bound to a `<ul>`. */
export class FileBrowser {
  /** Map paths seen so far (offered for `--solvent-def`). */
  readonly seenMaps = new Set<string>();
  private dir = '';

  constructor(
    private readonly list: HTMLUListElement,
    private readonly crumbs: HTMLElement,
    private readonly onOpen: (entry: FileEntry) => void,
    private readonly onError: (message: string) => void,
    private readonly onListed: () => void = () => {},
  ) {}

  /** List `dir` (relative to the root, '' = root). */
  async show(dir: string): Promise<void> {
    try {
      const listing = await listFiles(dir);
      this.dir = listing.dir;
      this.renderCrumbs();
      this.list.replaceChildren();
      if (this.dir !== '') this.list.append(this.item({ name: '..', path: parentDir(this.dir), kind: 'dir' }));
      const entries = [...listing.entries].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
      for (const e of entries) {
        this.list.append(this.item(e));
        if (e.kind === 'map') this.seenMaps.add(e.path);
      }
      if (entries.length === 0) {
        const li = document.createElement('li');
        li.className = 'empty';
        li.textContent = 'no folders or maps here';
        this.list.append(li);
      }
      this.onListed();
    } catch (e) {
      this.onError(`Could not list ${dir || 'the root folder'}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Mark the open map in the listing. */
  markOpen(path: string | undefined): void {
    for (const li of this.list.querySelectorAll<HTMLLIElement>('li[data-path]')) li.classList.toggle('open', li.dataset.path === path);
  }

  private renderCrumbs(): void {
    this.crumbs.replaceChildren();
    const parts = this.dir === '' ? [] : this.dir.split('/');
    const link = (label: string, path: string) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'crumb';
      b.textContent = label;
      b.addEventListener('click', () => void this.show(path));
      return b;
    };
    this.crumbs.append(link('root', ''));
    parts.forEach((p, i) => {
      this.crumbs.append(document.createTextNode(' / '));
      this.crumbs.append(link(p, parts.slice(0, i + 1).join('/')));
    });
  }

  private item(e: FileEntry): HTMLLIElement {
    const li = document.createElement('li');
    li.className = e.kind;
    li.dataset.path = e.path;
    li.dataset.kind = e.kind;
    li.tabIndex = 0;
    li.title = e.kind === 'dir' ? `open folder ${e.path || '/'}` : `open map ${e.path}`;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = e.kind === 'dir' ? `${e.name}/` : e.name;
    li.append(name);
    if (e.size !== undefined) {
      const size = document.createElement('span');
      size.className = 'size';
      size.textContent = formatBytes(e.size);
      li.append(size);
    }
    const activate = () => (e.kind === 'dir' ? void this.show(e.path) : this.onOpen(e));
    li.addEventListener('click', activate);
    li.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        activate();
      }
    });
    return li;
  }
}

function parentDir(dir: string): string {
  const i = dir.lastIndexOf('/');
  return i < 0 ? '' : dir.slice(0, i);
}
