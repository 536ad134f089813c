import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadConfig } from "./config";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
// The dashboard is the first page: fetch its chunk while config.json loads, not after.
if (window.location.pathname === "/") void import("./pages/dashboard/DashboardPage");
loadConfig()
  .then(() =>
    root.render(
      <StrictMode>
        <App />
      </StrictMode>,
    ),
  )
  .catch((error: Error) =>
    root.render(
      <main className="page">
        <h1>Stratus</h1>
        <div role="alert" className="error">
          The app could not read its configuration ({error.message}). Reload the page; if it persists the
          deployment has no config.json (make deploy-web writes it).
        </div>
      </main>,
    ),
  );
