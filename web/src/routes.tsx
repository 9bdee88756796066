import type { RouteObject } from "react-router";
import { AppShell } from "./components/AppShell";
import { FeaturePage } from "./pages/FeaturePage";
import { HomePage } from "./pages/HomePage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { sections } from "./sections";

export const routes: RouteObject[] = [
  {
    element: <AppShell />,
    children: [
      { index: true, element: <HomePage /> },
      ...sections.map((s) => ({ path: s.path, element: <FeaturePage section={s} /> })),
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];
