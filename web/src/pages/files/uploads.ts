import { useCallback, useEffect, useRef, useState } from "react";
import { useApi } from "../../api/ApiProvider";
import { isAbort } from "../../api/errors";

/** A file to upload and where it goes, relative to the folder it was dropped in. */
export interface UploadItem {
  file: File;
  /** e.g. "report.pdf" or "data/2024/report.pdf" for a folder's file. */
  relativePath: string;
}

export interface Upload {
  id: number;
  name: string;
  /** bucket/key */
  path: string;
  loaded: number;
  total: number;
  state: "queued" | "uploading" | "done" | "failed" | "cancelled";
  error?: string;
}

const PARALLEL = 3;
/** How long a finished upload stays in the box; a failed one stays until dismissed. */
export const FINISHED_SHOWN_MS = 5000;

/**
 * The upload queue: three at a time, each with its progress (XMLHttpRequest upload events)
 * and its own cancel. A cancelled or failed upload leaves nothing on the server. A finished
 * upload leaves the list after a moment; a failed one stays, with its error, until dismissed.
 */
export function useUploads(project: string, onUploaded: () => void) {
  const api = useApi();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const queue = useRef<{ id: number; file: File }[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  const active = useRef(0);
  const nextId = useRef(1);
  const onUploadedRef = useRef(onUploaded);
  onUploadedRef.current = onUploaded;
  const paths = useRef(new Map<number, string>());
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: number) => {
    setUploads((prev) => prev.filter((u) => u.id !== id));
  }, []);

  const update = useCallback(
    (id: number, patch: Partial<Upload>) => {
      setUploads((prev) => prev.map((u) => (u.id === id ? { ...u, ...patch } : u)));
      if (patch.state === "done" || patch.state === "cancelled") {
        const timer = setTimeout(() => {
          timers.current.delete(timer);
          dismiss(id);
        }, FINISHED_SHOWN_MS);
        timers.current.add(timer);
      }
    },
    [dismiss],
  );

  const pump = useCallback(() => {
    while (active.current < PARALLEL && queue.current.length > 0) {
      const { id, file } = queue.current.shift()!;
      const path = paths.current.get(id)!;
      const ctrl = new AbortController();
      controllers.current.set(id, ctrl);
      active.current++;
      update(id, { state: "uploading" });
      api
        .uploadFile(project, path, file, {
          signal: ctrl.signal,
          onProgress: (loaded, total) => update(id, { loaded, total }),
        })
        .then(
          () => {
            update(id, { state: "done", loaded: file.size });
            onUploadedRef.current();
          },
          (err: unknown) =>
            update(id, isAbort(err) ? { state: "cancelled" } : { state: "failed", error: err instanceof Error ? err.message : String(err) }),
        )
        .finally(() => {
          controllers.current.delete(id);
          active.current--;
          pump();
        });
    }
  }, [api, project, update]);

  const add = useCallback(
    (folder: string, items: UploadItem[]) => {
      const base = folder.endsWith("/") ? folder : `${folder}/`;
      const added: Upload[] = items.map((it) => {
        const id = nextId.current++;
        const path = base + it.relativePath.replace(/^\/+/, "");
        paths.current.set(id, path);
        queue.current.push({ id, file: it.file });
        return { id, name: it.relativePath, path, loaded: 0, total: it.file.size, state: "queued" };
      });
      setUploads((prev) => [...prev, ...added]);
      // Let React render the queue before the first progress events.
      setTimeout(pump, 0);
    },
    [pump],
  );

  const cancel = useCallback(
    (id: number) => {
      const ctrl = controllers.current.get(id);
      if (ctrl) ctrl.abort();
      else {
        queue.current = queue.current.filter((q) => q.id !== id);
        update(id, { state: "cancelled" });
      }
    },
    [update],
  );

  const clearFinished = useCallback(() => {
    setUploads((prev) => prev.filter((u) => u.state === "queued" || u.state === "uploading"));
  }, []);

  // Leaving the page cancels what is still going.
  useEffect(() => {
    const ctrls = controllers.current;
    const pending = timers.current;
    return () => {
      for (const c of ctrls.values()) c.abort();
      for (const t of pending) clearTimeout(t);
    };
  }, []);

  return { uploads, add, cancel, dismiss, clearFinished };
}

/** The files of a drop, folders walked recursively (keeping their relative paths). */
export async function itemsFromDrop(dt: DataTransfer): Promise<UploadItem[]> {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    const entry = item.kind === "file" ? item.webkitGetAsEntry?.() : null;
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) return Array.from(dt.files ?? []).map((file) => ({ file, relativePath: file.name }));
  const out: UploadItem[] = [];
  async function walk(entry: FileSystemEntry, prefix: string): Promise<void> {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, relativePath: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in batches until it returns an empty one.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  }
  for (const e of entries) await walk(e, "");
  return out;
}

/** The files of an <input type=file>, with their folder paths when a folder was chosen. */
export function itemsFromInput(files: FileList | null): UploadItem[] {
  return Array.from(files ?? []).map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}
