import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useApi } from "../api/ApiProvider";
import type { CommandRecord } from "../api/client";
import { keepRevealed } from "./revealed";

const MAX_ENTRIES = 50;
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
 */
export function CommandLogProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [entries, setEntries] = useState<CommandEntry[]>([]);
  const [enabled, setEnabledState] = useState(readEnabled);

  useEffect(() => {
    let next = 1;
    return api.onCommands((r) =>
      setEntries((prev) => {
        const key = r.commands.join("\n");
        if (!r.change && prev.some((e) => e.commands.join("\n") === key)) return prev;
        const { revealed, ...record } = r;
        const entry: CommandEntry = { ...record, id: next++, at: new Date() };
        if (revealed) keepRevealed(entry, revealed);
        return [entry, ...prev].slice(0, MAX_ENTRIES);
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

/** A shell script of the entries, oldest first, each under a comment naming its action. */
export function toShellScript(entries: CommandEntry[], describe: (e: CommandEntry) => string): string {
  const lines = ["#!/bin/sh", "set -e", ""];
  for (const e of [...entries].reverse()) {
    lines.push(`# ${describe(e)} (${e.at.toISOString()})`, ...e.commands, "");
  }
  return lines.join("\n");
}
