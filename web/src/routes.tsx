import { lazy, type ReactNode } from "react";
import type { RouteObject } from "react-router";
import { AppShell } from "./components/AppShell";
import { ProjectGate } from "./components/ProjectGate";
import { HomePage } from "./pages/HomePage";
import { NotFoundPage } from "./pages/NotFoundPage";

// Every section's page is its own chunk, loaded when first visited.
const CatalogPage = lazy(() => import("./pages/catalog/CatalogPage").then((m) => ({ default: m.CatalogPage })));
const ChartPage = lazy(() => import("./pages/catalog/ChartPage").then((m) => ({ default: m.ChartPage })));
const LauncherPage = lazy(() => import("./pages/launcher/LauncherPage").then((m) => ({ default: m.LauncherPage })));
const ServicesPage = lazy(() => import("./pages/services/ServicesPage").then((m) => ({ default: m.ServicesPage })));
const ServicePage = lazy(() => import("./pages/services/ServicePage").then((m) => ({ default: m.ServicePage })));
const ChangePage = lazy(() => import("./pages/services/ChangePage").then((m) => ({ default: m.ChangePage })));
const FilesPage = lazy(() => import("./pages/files/FilesPage").then((m) => ({ default: m.FilesPage })));
const ExplorerPage = lazy(() => import("./pages/explorer/ExplorerPage").then((m) => ({ default: m.ExplorerPage })));
const SecretsPage = lazy(() => import("./pages/secrets/SecretsPage").then((m) => ({ default: m.SecretsPage })));
const FleetPage = lazy(() => import("./pages/admin/FleetPage").then((m) => ({ default: m.FleetPage })));
const PlatformPage = lazy(() => import("./pages/admin/PlatformPage").then((m) => ({ default: m.PlatformPage })));
const ProjectsPage = lazy(() => import("./pages/admin/ProjectsPage").then((m) => ({ default: m.ProjectsPage })));
const UsagePage = lazy(() => import("./pages/admin/UsagePage").then((m) => ({ default: m.UsagePage })));
const AccountPage = lazy(() => import("./pages/account/AccountPage").then((m) => ({ default: m.AccountPage })));

const gated = (page: ReactNode) => <ProjectGate>{page}</ProjectGate>;

export const routes: RouteObject[] = [
  {
    element: <AppShell />,
    children: [
      { index: true, element: <HomePage /> },
      { path: "catalog", element: gated(<CatalogPage />) },
      { path: "catalog/:catalog", element: gated(<CatalogPage />) },
      { path: "catalog/:catalog/:chart", element: gated(<ChartPage />) },
      { path: "launcher/:catalog/:chart", element: gated(<LauncherPage />) },
      { path: "my-services", element: gated(<ServicesPage />) },
      { path: "my-services/:service", element: gated(<ServicePage />) },
      { path: "my-services/:service/change", element: gated(<ChangePage />) },
      { path: "my-files", element: gated(<FilesPage />) },
      { path: "explorer", element: gated(<ExplorerPage />) },
      { path: "my-secrets", element: gated(<SecretsPage />) },
      { path: "account", element: gated(<AccountPage />) },
      { path: "admin/services", element: gated(<FleetPage />) },
      { path: "admin/platform", element: gated(<PlatformPage />) },
      { path: "admin/usage", element: gated(<UsagePage />) },
      { path: "admin/projects", element: gated(<ProjectsPage />) },
      { path: "*", element: <NotFoundPage /> },
    ],
  },
];
