// Building the page: elements from data, text always as text nodes (never parsed as HTML).

/** Appends children: nodes as they are, anything else as text; null, undefined and false skipped. */
export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/**
 * An element: `h("a", {href: "#/keys", class: "x", onclick: f}, "text", child)`. `on…` props are
 * listeners, `dataset` sets data-*, true/false are boolean attributes, the rest attributes.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name === "value") element.value = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  return append(element, children);
}

/** A column header of numbers (right-aligned, like its cells). */
export function num(name) {
  return { name, class: "num" };
}

/** A table from column headers (text, or `num(text)`) and rows of cells. */
export function table(headers, rows, props = {}) {
  const th = (header) =>
    typeof header === "string"
      ? h("th", { scope: "col" }, header)
      : h("th", { scope: "col", class: header.class }, header.name);
  return h("table", props, h("thead", {}, h("tr", {}, headers.map(th))), h("tbody", {}, rows));
}

/** A panel with a heading. */
export function panel(title, ...children) {
  return h("section", { class: "panel" }, title && h("h2", {}, title), children);
}

/** A notice line (`kind`: info, error). */
export function notice(text, kind = "info") {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : null }, text);
}
