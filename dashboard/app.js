// The dashboard's shell: which view the address names (#/overview, #/requests?…, #/request/ID,
// #/keys, #/health), drawn into <main>; the navigation; sign-out.
import { api } from "./api.js";
import { notice } from "./dom.js";
import * as overview from "./overview.js";
import * as requests from "./requests.js";
import * as request from "./request.js";
import * as keys from "./keys.js";
import * as health from "./health.js";

const VIEWS = { overview, requests, request, keys, health };
const TITLES = {
  overview: "Overview",
  requests: "Requests",
  request: "Request",
  keys: "Keys",
  health: "Health",
};
const main = document.getElementById("view");
/** Counts renders, so a slow one that finishes after the next began is dropped. */
let generation = 0;
const leaving = [];

/** The view, its id argument and its parameters, from the address. */
function address() {
  const [path, search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, id] = path.split("/");
  return {
    name: VIEWS[name] ? name : "overview",
    id: id && decodeURIComponent(id),
    params: new URLSearchParams(search),
  };
}

/** Goes to the current view with `params` (as the address). */
function go(params) {
  const { name } = address();
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") search.set(k, v);
  }
  const text = search.toString();
  const hash = `#/${name}${text ? `?${text}` : ""}`;
  if (location.hash === hash) show();
  else location.hash = hash;
}

async function show(state) {
  const mine = ++generation;
  for (const leave of leaving.splice(0)) leave();
  const { name, id, params } = address();
  document.title = `${TITLES[name]} · squint`;
  for (const link of document.querySelectorAll("nav a")) {
    const current = link.dataset.view === name ||
      (name === "request" && link.dataset.view === "requests");
    link.classList.toggle("active", current);
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const view = document.createElement("div");
  view.className = "view";
  main.setAttribute("aria-busy", "true");
  main.dataset.view = name;
  try {
    await VIEWS[name].render({
      main: view,
      id,
      params,
      state,
      go,
      refresh: (next) => show(next),
      onLeave: (fn) => leaving.push(fn),
    });
  } catch (e) {
    view.replaceChildren(notice(e.message, "error"));
  }
  if (mine !== generation) return;
  main.replaceChildren(view);
  main.removeAttribute("aria-busy");
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await api("/dashboard/logout", { method: "POST" }).catch(() => {});
  location.assign("/dashboard/login");
});
addEventListener("hashchange", () => show());
show();
