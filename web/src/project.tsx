import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { Me, Project } from "./api/types";
import { useMe } from "./api/queries";
import { ApiError } from "./api/errors";

const STORAGE_KEY = "basalt.project";

export interface ProjectState {
  /** Undefined while /me loads, or when nobody is signed in. */
  me: Me | undefined;
  /** The project every project page acts in; undefined with me. */
  project: Project | undefined;
  projects: Project[];
  setProject(id: string): void;
  /** The /me request's state, for gates and the header. */
  status: "loading" | "signedOut" | "error" | "ready";
  error: Error | null;
  retry(): void;
}

const ProjectContext = createContext<ProjectState | null>(null);

function readSaved(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The signed-in user and the selected project (saved locally; the personal one by default). */
export function ProjectProvider({ children }: { children: ReactNode }) {
  const me = useMe();
  const [chosen, setChosen] = useState<string | null>(readSaved);
  const projects = useMemo(() => me.data?.projects ?? [], [me.data]);
  const project = projects.find((p) => p.id === chosen) ?? projects[0];

  const setProject = useCallback((id: string) => {
    setChosen(id);
    try {
      localStorage.setItem(STORAGE_KEY, id);
    } catch {
      // Storage unavailable: the choice lasts for this page only.
    }
  }, []);

  const status: ProjectState["status"] = me.data
    ? "ready"
    : me.isError
      ? me.error instanceof ApiError && me.error.status === 401
        ? "signedOut"
        : "error"
      : "loading";

  const refetch = me.refetch;
  const value = useMemo<ProjectState>(
    () => ({
      me: me.data,
      project,
      projects,
      setProject,
      status,
      error: me.error,
      retry: () => void refetch(),
    }),
    [me.data, me.error, project, projects, setProject, status, refetch],
  );
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProjectState(): ProjectState {
  const ctx = useContext(ProjectContext);
  if (!ctx) throw new Error("useProjectState outside ProjectProvider");
  return ctx;
}

/** The selected project, under a ProjectGate (which waits for it). */
export function useProject(): { me: Me; project: Project; isGroup: boolean } {
  const { me, project } = useProjectState();
  if (!me || !project) throw new Error("useProject outside ProjectGate");
  return { me, project, isGroup: !!project.group };
}
