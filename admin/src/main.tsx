import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";

const root = document.getElementById("root");
if (!root) throw new Error('index.html needs an element with id "root"');
createRoot(root).render(<App />);
