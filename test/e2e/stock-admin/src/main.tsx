import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";

declare global {
  interface Window {
    /** The REST base URL, e.g. "http://localhost:4000/api"; set by index.html. */
    AUTOGRAPH_API?: string;
  }
}

const apiUrl = window.AUTOGRAPH_API ?? "http://localhost:4000/api";
const root = document.getElementById("root");
if (!root) throw new Error('index.html needs an element with id "root"');
createRoot(root).render(<App apiUrl={apiUrl} />);
