/**
 * Tells when watched files change, one call per save: node:fs `watch` on each file's directory
 * (not the file: editors save by writing a new file and renaming it over the old, which ends a
 * watch on the file itself), and a burst of events for one save taken as one change after a
 * short quiet time. chokidar would add polling fallbacks ccflow does not need on Linux and
 * macOS, where these events are reliable. Used by `serve --watch` for flow files and the
 * environment file.
 */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

export interface FileChanges {
  close(): void;
}

export function watchFileChanges(files: readonly string[], settleMs: number, onChange: (file: string) => void, onError: (dir: string, err: Error) => void): FileChanges {
  const timers = new Map<string, NodeJS.Timeout>();
  // Per directory: the file names in it, each with the path as the caller gave it.
  const byDir = new Map<string, Map<string, string>>();
  for (const file of files) {
    const dir = resolve(dirname(file));
    const names = byDir.get(dir) ?? new Map<string, string>();
    names.set(basename(file), file);
    byDir.set(dir, names);
  }
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    const watcher = watch(dir, (_event, name) => {
      const file = name ? names.get(name.toString()) : undefined;
      if (!file) return;
      clearTimeout(timers.get(file));
      timers.set(
        file,
        setTimeout(() => {
          timers.delete(file);
          onChange(file);
        }, settleMs),
      );
    });
    watcher.on("error", (err) => onError(dir, err));
    watchers.push(watcher);
  }
  return {
    close() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const w of watchers) w.close();
    },
  };
}
