import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { FileList as Listing } from "../../api/types";
import { mockApi, reply, testConfig } from "../../test/mockApi";
import { rangedResponse, sampleParquet } from "../../test/parquet";
import { renderApp } from "../../test/render";

const HOME = "user-alice/";

function listing(path: string, token?: string): Listing {
  if (path === "" || path === HOME) {
    return token === "p2"
      ? { path: HOME, home: HOME, folders: [], files: [{ path: `${HOME}z-last.txt`, name: "z-last.txt", size: 10 }], commands: [] }
      : {
          path: HOME,
          home: HOME,
          folders: [{ path: `${HOME}data/`, name: "data" }],
          files: [
            { path: `${HOME}notes.txt`, name: "notes.txt", size: 120_000, lastModified: "2026-03-01T10:00:00Z", contentType: "text/plain" },
            { path: `${HOME}plot.png`, name: "plot.png", size: 2048, contentType: "image/png" },
          ],
          nextPageToken: "p2",
          commands: [`mc ls s3/${HOME}`],
        };
  }
  return { path, home: HOME, folders: [], files: [{ path: `${path}raw.csv`, name: "raw.csv", size: 5 }], commands: [`mc ls s3/${path}`] };
}

function api(extra: Parameters<typeof mockApi>[0] = {}) {
  let publics: string[] = [];
  return mockApi({
    ...extra,
    "GET /projects/:project/files": ({ query }) => listing(query.get("path") ?? "", query.get("pageToken") ?? undefined),
    "GET /projects/:project/files/public": () => ({ folders: publics.map((p) => ({ path: p, name: p })) }),
    "PUT /projects/:project/files/policy": ({ body }) => {
      const b = body as { path: string; public: boolean };
      publics = b.public ? [...publics, b.path] : publics.filter((p) => p !== b.path);
      return { path: b.path, public: b.public, commands: [`mc anonymous set download s3/${b.path}`] };
    },
    "DELETE /projects/:project/files": ({ query }) => ({ deleted: 1, commands: [`mc rm s3/${query.get("path")}`] }),
    "POST /projects/:project/files/folders": ({ body }) => reply(201, { folder: { path: `${(body as { path: string }).path}/`, name: "new" }, commands: [] }),
    "POST /projects/:project/files/share": ({ body }) => ({
      url: `https://s3.example.org/${(body as { path: string }).path}?X-Amz-Signature=abc`,
      expiresAt: "2026-03-02T10:00:00Z",
      commands: ["mc share download --expire 24h0m0s s3/user-alice/notes.txt"],
    }),
    "GET /projects/:project/files/content": ({ headers }) =>
      new Response("line one\nline two", {
        status: 206,
        headers: { "Content-Type": "text/plain", "Content-Range": `bytes 0-65535/120000`, "X-Range-Asked": headers.Range ?? "" },
      }),
  });
}

describe("my files", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("downloads from the store, through a redirect, in a region whose store browsers reach", async () => {
    const region = { id: "lab", name: "Lab", services: true, files: true, secrets: true, downloadFromStore: true };
    const m = api({ "GET /config": { ...testConfig, regions: [region] } });
    renderApp("/my-files", m.client);
    const table = await screen.findByRole("table", { name: `Contents of ${HOME}` });
    const download = within(table).getByRole("link", { name: "Download notes.txt" });
    expect(download.getAttribute("href")).toBe("/api/v1/projects/user-alice/files/content?path=user-alice%2Fnotes.txt&download=1&redirect=true");
  });

  it("lists the home folder, page by page, and browses into a folder with breadcrumbs", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/my-files", m.client);
    const table = await screen.findByRole("table", { name: `Contents of ${HOME}` });
    expect(within(table).getByRole("link", { name: "data" })).toBeTruthy();
    expect(within(table).getByRole("button", { name: "notes.txt" })).toBeTruthy();
    expect(within(table).getByText("120 KB")).toBeTruthy();
    const download = within(table).getByRole("link", { name: "Download notes.txt" });
    expect(download.getAttribute("href")).toBe("/api/v1/projects/user-alice/files/content?path=user-alice%2Fnotes.txt&download=1");

    await user.click(screen.getByRole("button", { name: "Show more" }));
    expect(await within(table).findByRole("button", { name: "z-last.txt" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Show more" })).toBeNull();

    await user.click(within(table).getByRole("link", { name: "data" }));
    expect(router.state.location.search).toBe(`?path=${encodeURIComponent(`${HOME}data/`)}`);
    expect(await screen.findByRole("button", { name: "raw.csv" })).toBeTruthy();
    const crumbs = screen.getByRole("navigation", { name: "You are here" });
    expect(within(crumbs).getByRole("link", { name: "My files" })).toBeTruthy();
    expect(within(crumbs).getByText("data").getAttribute("aria-current")).toBe("location");
  });

  it("uploads chosen files with progress, and cancelling one aborts it", async () => {
    const m = api();
    renderApp("/my-files", m.client);
    await screen.findByRole("table");
    const input = screen.getByTestId("file-input");
    const a = new File(["a".repeat(1000)], "a.csv", { type: "text/csv" });
    const b = new File(["b".repeat(500)], "b.bin");
    fireEvent.change(input, { target: { files: [a, b] } });
    await waitFor(() => expect(m.uploads).toHaveLength(2));
    const [xa, xb] = m.uploads;
    expect(xa!.method).toBe("PUT");
    expect(xa!.path).toBe(`${HOME}a.csv`);
    expect(xa!.headers["Content-Type"]).toBe("text/csv");
    expect(xa!.body).toBe(a);

    act(() => xa!.progress(500, 1000));
    expect(screen.getByRole("progressbar", { name: "Upload of a.csv" }).getAttribute("aria-valuenow")).toBe("50");

    fireEvent.click(screen.getByRole("button", { name: "Cancel the upload of b.bin" }));
    expect(xb!.aborted).toBe(true);
    await waitFor(() => expect(screen.getByText("Cancelled")).toBeTruthy());

    act(() => xa!.respond(201, { file: { path: `${HOME}a.csv`, name: "a.csv", size: 1000 }, commands: [`mc cp ./a.csv s3/${HOME}a.csv`] }));
    await waitFor(() => expect(screen.getByText("Done")).toBeTruthy());
    // The folder is listed again to show the new file.
    await waitFor(() => expect(m.find("GET", "/projects/user-alice/files").length).toBeGreaterThan(1));
  });

  it("uploads what is dropped, folders included, keeping their paths", async () => {
    const m = api();
    renderApp("/my-files", m.client);
    const table = await screen.findByRole("table");
    const file = new File(["x"], "top.txt");
    const inner = new File(["y"], "inner.txt");
    const dirEntry = {
      isFile: false,
      isDirectory: true,
      name: "results",
      createReader: () => {
        let done = false;
        return { readEntries: (ok: (e: unknown[]) => void) => ok(done ? [] : ((done = true), [{ isFile: true, isDirectory: false, name: "inner.txt", file: (cb: (f: File) => void) => cb(inner) }])) };
      },
    };
    const fileEntry = { isFile: true, isDirectory: false, name: "top.txt", file: (cb: (f: File) => void) => cb(file) };
    const zone = table.closest("[data-dragging]")!;
    fireEvent.dragOver(zone, { dataTransfer: { dropEffect: "none" } });
    expect(zone.getAttribute("data-dragging")).toBe("true");
    fireEvent.drop(zone, {
      dataTransfer: {
        items: [
          { kind: "file", webkitGetAsEntry: () => fileEntry },
          { kind: "file", webkitGetAsEntry: () => dirEntry },
        ],
        files: [],
      },
    });
    await waitFor(() => expect(m.uploads.map((x) => x.path)).toEqual([`${HOME}top.txt`, `${HOME}results/inner.txt`]));
  });

  it("shows the server's error when an upload fails", async () => {
    const m = api();
    renderApp("/my-files", m.client);
    await screen.findByRole("table");
    fireEvent.change(screen.getByTestId("file-input"), { target: { files: [new File(["a"], "a.txt")] } });
    await waitFor(() => expect(m.uploads).toHaveLength(1));
    act(() => m.uploads[0]!.respond(507, { error: { code: "unavailable", message: "the store is full" } }));
    expect(await screen.findByText(/the store is full/)).toBeTruthy();
  });

  it("previews the first KBs of a text file through a Range request", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-files", m.client);
    await user.click(await screen.findByRole("button", { name: "notes.txt" }));
    const dialog = screen.getByRole("dialog", { name: "notes.txt" });
    expect((await within(dialog).findByLabelText("File content")).textContent).toBe("line one\nline two");
    expect(within(dialog).getByText("Showing the first 65.5 KB of 120 KB.")).toBeTruthy();
    expect(m.find("GET", "/projects/user-alice/files/content")[0]!.headers.Range).toBe("bytes=0-65535");
    await user.keyboard("{Escape}");

    await user.click(screen.getByRole("button", { name: "plot.png" }));
    const img = within(screen.getByRole("dialog", { name: "plot.png" })).getByRole("img", { name: "Preview of plot.png" });
    expect(img.getAttribute("src")).toBe("/api/v1/projects/user-alice/files/content?path=user-alice%2Fplot.png");
  });

  it("creates a share link with the chosen validity and copies it", async () => {
    const m = api();
    const user = userEvent.setup();
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    renderApp("/my-files", m.client);
    await user.click(await screen.findByRole("button", { name: "Share notes.txt" }));
    const dialog = screen.getByRole("dialog", { name: "Share notes.txt" });
    await user.selectOptions(within(dialog).getByLabelText("Valid for"), "168h");
    await user.click(within(dialog).getByRole("button", { name: "Create the link" }));
    const link = await within(dialog).findByLabelText("Link (works without signing in)");
    expect((link as HTMLInputElement).value).toBe("https://s3.example.org/user-alice/notes.txt?X-Amz-Signature=abc");
    expect(m.find("POST", "/projects/user-alice/files/share")[0]!.body).toEqual({ path: `${HOME}notes.txt`, expiry: "168h" });
    await user.click(within(dialog).getByRole("button", { name: "Copy the link" }));
    expect(writeText).toHaveBeenCalledWith("https://s3.example.org/user-alice/notes.txt?X-Amz-Signature=abc");
    expect(await within(dialog).findByText("Copied")).toBeTruthy();
  });

  it("deletes a folder recursively after confirmation, creates a folder, makes one public", async () => {
    const m = api();
    const user = userEvent.setup();
    const { router } = renderApp("/my-files", m.client);
    await user.click(await screen.findByRole("button", { name: "Delete data" }));
    const dialog = screen.getByRole("dialog", { name: "Delete data?" });
    expect(within(dialog).getByText("The folder and everything in it are deleted for good.")).toBeTruthy();
    await user.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const del = m.find("DELETE", "/projects/user-alice/files")[0]!;
    expect(del.query.get("path")).toBe(`${HOME}data/`);
    expect(del.query.get("recursive")).toBe("true");

    await user.click(screen.getByRole("button", { name: "New folder" }));
    const nf = screen.getByRole("dialog", { name: "New folder" });
    await user.type(within(nf).getByLabelText("Folder name"), "new{Enter}");
    await waitFor(() => expect(router.state.location.search).toBe(`?path=${encodeURIComponent(`${HOME}new/`)}`));
    expect(m.find("POST", "/projects/user-alice/files/folders")[0]!.body).toEqual({ path: `${HOME}new` });

    const toggle = await screen.findByRole("checkbox", { name: "Public folder (anyone can read it)" });
    await waitFor(() => expect((toggle as HTMLInputElement).disabled).toBe(false));
    await user.click(toggle);
    await waitFor(() => expect((toggle as HTMLInputElement).checked).toBe(true));
    expect(m.find("PUT", "/projects/user-alice/files/policy")[0]!.body).toEqual({ path: `${HOME}new/`, public: true });
  });

  it("previews CSV and Parquet files as tables of their first rows, by ranges", async () => {
    const parquet = sampleParquet(30_000, 1000);
    const csv = new TextEncoder().encode("city,population\nLyon,522250\n\"Paris, capital\",2102650\n").buffer;
    const m = mockApi({
      "GET /projects/:project/files": () => ({
        path: HOME,
        home: HOME,
        folders: [],
        files: [
          { path: `${HOME}cities.csv`, name: "cities.csv", size: csv.byteLength, contentType: "text/csv" },
          { path: `${HOME}big.parquet`, name: "big.parquet", size: parquet.byteLength },
        ],
      }),
      "GET /projects/:project/files/public": { folders: [] },
      "GET /projects/:project/files/content": ({ query, headers }) =>
        query.get("path")!.endsWith(".csv") ? rangedResponse(csv, headers.Range, "text/csv") : rangedResponse(parquet, headers.Range, "application/octet-stream"),
    });
    const user = userEvent.setup();
    renderApp("/my-files", m.client);

    await user.click(await screen.findByRole("button", { name: "cities.csv" }));
    const csvTable = await screen.findByRole("table", { name: "First rows of cities.csv" }, { timeout: 5000 });
    expect(within(csvTable).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["city", "population"]);
    expect(within(csvTable).getByRole("cell", { name: "Paris, capital" })).toBeTruthy();
    await user.keyboard("{Escape}");

    await user.click(screen.getByRole("button", { name: "big.parquet" }));
    const pqTable = await screen.findByRole("table", { name: "First rows of big.parquet" }, { timeout: 5000 });
    expect(within(pqTable).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["id", "city", "population"]);
    expect(within(pqTable).getAllByRole("row")).toHaveLength(101);
    expect(within(pqTable).getByRole("cell", { name: "city-100" })).toBeTruthy();
    expect(screen.getByText("Showing the first 100 rows of 30,000.")).toBeTruthy();
    // Every read was a range, and together they are a small part of the file.
    const reads = m.find("GET", "/projects/user-alice/files/content").filter((c) => c.query.get("path")!.endsWith(".parquet"));
    const bytes = reads.map((c) => /^bytes=(\d+)-(\d+)$/.exec(c.headers.Range ?? "")).map((r) => (r ? Number(r[2]) - Number(r[1]) + 1 : Infinity));
    expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThan(parquet.byteLength / 3);
  });
});
