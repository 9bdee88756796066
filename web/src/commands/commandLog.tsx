import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useApi } from "../api/ApiProvider";
import type { CommandRecord } from "../api/client";
import { useProjectState } from "../project";
import { historyKey, MAX_KEPT, mergeHistory, readHistory, writeHistory } from "./history";
import { keepRevealed } from "./revealed";

const PANEL_KEY = "basalt.commandPanel";

export interface CommandEntry extends Omit<CommandRecord, "revealed"> {
  id: number;
  at: Date;
}

interface CommandLogState {
  /** Newest first. */
  entries: CommandEntry[];
  clear(): void;
  /** The user's preference: show the panel at all. */
  enabled: boolean;
  setEnabled(on: boolean): void;
}

const CommandLogContext = createContext<CommandLogState | null>(null);

function readEnabled(): boolean {
  try {
    return localStorage.getItem(PANEL_KEY) !== "off";
  } catch {
    return true;
  }
}

/**
 * Keeps the commands of the last responses that carried some. Changes are always recorded;
 * a read (a listing refreshed every few seconds) only when its commands are not already shown.
 * The history is the user's in this browser (localStorage, bounded, without what revealed.ts
 * keeps): it survives a reload, and follows what the user's other tabs record.
 */
export function CommandLogProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const username = useProjectState().me?.username;
  const storageKey = username === undefined ? undefined : historyKey(username);
  const [entries, setEntries] = useState<CommandEntry[]>([]);
  const [enabled, setEnabledState] = useState(readEnabled);
  const nextId = useRef(1);
  const loadedFor = useRef<string | undefined>(undefined);

  // Declared before the load below, so that it does not write over a history not read yet.
  useEffect(() => {
    if (storageKey !== undefined && loadedFor.current === storageKey) writeHistory(storageKey, entries);
  }, [storageKey, entries]);

  useEffect(() => {
    if (storageKey === undefined) return;
    const newId = () => nextId.current++;
    loadedFor.current = storageKey;
    setEntries((current) => mergeHistory(current, readHistory(storageKey), newId, true));
    // Another tab recorded or cleared: its history is this one's.
    const onStorage = (e: StorageEvent) => {
      if (e.key === storageKey) setEntries((current) => mergeHistory(current, readHistory(storageKey), newId));
    };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [storageKey]);

  useEffect(() => {
    const next = () => nextId.current++;
    return api.onCommands((r) =>
      setEntries((prev) => {
        const key = r.commands.join("\n");
        if (!r.change && prev.some((e) => e.commands.join("\n") === key)) return prev;
        const { revealed, ...record } = r;
        const entry: CommandEntry = { ...record, id: next(), at: new Date() };
        if (revealed) keepRevealed(entry, revealed);
        return [entry, ...prev].slice(0, MAX_KEPT);
      }),
    );
  }, [api]);

  const setEnabled = useCallback((on: boolean) => {
    setEnabledState(on);
    try {
      localStorage.setItem(PANEL_KEY, on ? "on" : "off");
    } catch {
      // Storage unavailable: the choice lasts for this page only.
    }
  }, []);

  const value = useMemo(
    () => ({ entries, clear: () => setEntries([]), enabled, setEnabled }),
    [entries, enabled, setEnabled],
  );
  return <CommandLogContext.Provider value={value}>{children}</CommandLogContext.Provider>;
}

export function useCommandLog(): CommandLogState {
  const ctx = useContext(CommandLogContext);
  if (!ctx) throw new Error("useCommandLog outside CommandLogProvider");
  return ctx;
}

/** Names an entry's API call in a script: the token is an API token of the user's. */
export const API_CALL = "the same through the API, with an API token in BASALT_TOKEN";

/** A shell script of the entries, oldest first, each under a comment naming its action. */
export function toShellScript(entries: CommandEntry[], describe: (e: CommandEntry) => string): string {
  const lines = ["#!/bin/sh", "set -e", ""];
  for (const e of [...entries].reverse()) {
    lines.push(`# ${describe(e)} (${e.at.toISOString()})`, ...e.commands, ...(e.curl ? [`# ${API_CALL}`, e.curl] : []), "");
  }
  return lines.join("\n");
}
