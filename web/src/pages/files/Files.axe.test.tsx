// @vitest-environment jsdom
// jsdom for axe-core, which happy-dom does not run.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { axeViolations } from "../../test/axe";
import { mockApi } from "../../test/mockApi";
import { renderApp } from "../../test/render";
import { FINISHED_SHOWN_MS } from "./uploads";

const HOME = "user-alice/";

function api() {
  let answerShare: () => void = () => undefined;
  const m = mockApi({
    "GET /projects/:project/files": {
      path: HOME,
      home: HOME,
      folders: [],
      files: [{ path: `${HOME}notes.txt`, name: "notes.txt", size: 12, contentType: "text/plain" }],
      commands: [],
    },
    "GET /projects/:project/files/public": { folders: [] },
    // Answers when the test says, to look at the dialog while the link is being made.
    "POST /projects/:project/files/share": () =>
      new Promise((resolve) => {
        answerShare = () => resolve({ url: "/api/v1/presigned/abc.def", expiresAt: "2026-03-02T10:00:00Z", commands: [] });
      }),
  });
  return { ...m, answerShare: () => answerShare() };
}

describe("the share link dialog", () => {
  beforeEach(() => localStorage.setItem("basalt.language", "en"));

  it("keeps the focus in the dialog once the link is made, and Escape closes it", async () => {
    const m = api();
    const user = userEvent.setup();
    renderApp("/my-files", m.client);
    const opener = await screen.findByRole("button", { name: "Share notes.txt" });
    await user.click(opener);
    const dialog = screen.getByRole("dialog", { name: "Share notes.txt" });
    const create = within(dialog).getByRole("button", { name: "Create the link" });
    await user.click(create);
    // While the link is made, the button keeps the focus and a second click asks nothing more.
    const working = within(dialog).getByRole("button", { name: "Working…" });
    expect(working.getAttribute("aria-disabled")).toBe("true");
    expect(document.activeElement).toBe(working);
    await user.click(working);
    expect(m.find("POST", "/projects/user-alice/files/share")).toHaveLength(1);

    act(() => m.answerShare());
    const link = await within(dialog).findByLabelText<HTMLInputElement>("Link (works without signing in)");
    await waitFor(() => expect(document.activeElement).toBe(link));
    expect(link.value).toBe(`${window.location.origin}/api/v1/presigned/abc.def`);
    expect(link.selectionStart).toBe(0);
    expect(link.selectionEnd).toBe(link.value.length);
    expect(await axeViolations(dialog)).toEqual([]);

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});

describe("the upload box", () => {
  beforeEach(() => {
    localStorage.setItem("basalt.language", "en");
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => vi.useRealTimers());

  it("lets a finished upload go after a moment, and keeps a failed one until dismissed", async () => {
    const m = api();
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });
    renderApp("/my-files", m.client);
    await screen.findByRole("table");
    fireEvent.change(screen.getByTestId("file-input"), { target: { files: [new File(["a"], "a.txt"), new File(["b"], "b.txt")] } });
    await waitFor(() => expect(m.uploads).toHaveLength(2));
    act(() => {
      m.uploads[0]!.respond(201, { file: { path: `${HOME}a.txt`, name: "a.txt", size: 1 }, commands: [] });
      m.uploads[1]!.respond(507, { error: { code: "unavailable", message: "the store is full" } });
    });
    const box = screen.getByRole("region", { name: "Uploads" });
    expect(await within(box).findByText("Done")).toBeTruthy();
    expect(within(box).getByText(/the store is full/)).toBeTruthy();
    expect(await axeViolations(box)).toEqual([]);

    act(() => vi.advanceTimersByTime(FINISHED_SHOWN_MS));
    await waitFor(() => expect(within(box).queryByText("a.txt")).toBeNull());
    act(() => vi.advanceTimersByTime(60_000));
    expect(within(box).getByText("b.txt")).toBeTruthy();
    expect(within(box).getByText(/the store is full/)).toBeTruthy();

    await user.click(within(box).getByRole("button", { name: "Dismiss the failed upload of b.txt" }));
    expect(screen.queryByRole("region", { name: "Uploads" })).toBeNull();
  });
});
