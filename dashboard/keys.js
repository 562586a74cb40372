// Keys: squint keys with their limits, budgets and spend so far; create (the secret is shown
// once), change limits, revoke, through the admin API.
import { api } from "./api.js";
import { append, h, notice, num, panel, table } from "./dom.js";
import { count, time, usd } from "./format.js";

/** The limits a form edits: field, label, input type. */
const LIMITS = [
  ["rpm", "Requests / min", "number"],
  ["tpm", "Tokens / min", "number"],
  ["budget_usd", "Budget (USD)", "number"],
  ["fallback_model", "Fallback model", "text"],
];

/** The form's fields as the admin API takes them (empty: absent, or null to clear when `clear`). */
function limitsOf(form, clear) {
  const data = new FormData(form);
  const out = {};
  for (const [name, , type] of LIMITS) {
    const value = String(data.get(name) ?? "").trim();
    if (value) out[name] = type === "number" ? Number(value) : value;
    else if (clear) out[name] = null;
  }
  out.budget_period = String(data.get("budget_period") ?? "month");
  return out;
}

function limitInputs(key = {}) {
  return [
    ...LIMITS.map(([name, label, type]) =>
      h(
        "label",
        {},
        `${label} `,
        h("input", {
          name,
          type,
          min: type === "number" ? (name === "budget_usd" ? "0.01" : "1") : null,
          step: name === "budget_usd" ? "0.01" : type === "number" ? "1" : null,
          value: key[name] ?? "",
        }),
      )
    ),
    h(
      "label",
      {},
      "Per ",
      h(
        "select",
        { name: "budget_period" },
        ["month", "day"].map((p) =>
          h("option", { value: p, selected: (key.budget_period ?? "month") === p }, p)
        ),
      ),
    ),
  ];
}

function createForm(onCreated, say) {
  return h(
    "form",
    {
      class: "key-form",
      id: "create-key",
      onsubmit: async (event) => {
        event.preventDefault();
        const form = event.target;
        const data = new FormData(form);
        const models = String(data.get("models") ?? "").split(",").map((m) => m.trim()).filter(
          Boolean,
        );
        const body = { name: String(data.get("name")).trim(), ...limitsOf(form, false) };
        if (models.length) body.models = models;
        try {
          const created = await api("/admin/keys", { method: "POST", body });
          form.reset();
          onCreated(created);
        } catch (e) {
          say(e.message);
        }
      },
    },
    h("label", {}, "Name ", h("input", { name: "name", required: true, maxlength: "200" })),
    h(
      "label",
      {},
      "Models ",
      h("input", { name: "models", placeholder: "all; or gpt-4o, claude-*" }),
    ),
    limitInputs(),
    h("button", { type: "submit" }, "Create key"),
  );
}

/** The new key's secret, shown this once. */
function secretBox(created) {
  const value = h("code", { id: "new-secret", class: "secret" }, created.key);
  return h(
    "div",
    { class: "notice secret-box", role: "status" },
    h("strong", {}, `Key “${created.name}” created. `),
    "Copy its secret now: squint keeps only a hash and will not show it again.",
    h(
      "div",
      { class: "secret-row" },
      value,
      h("button", {
        type: "button",
        class: "quiet",
        onclick: (event) => {
          navigator.clipboard?.writeText(created.key).then(
            () => (event.target.textContent = "Copied"),
            () => {},
          );
        },
      }, "Copy"),
    ),
  );
}

function limitsText(k) {
  const parts = [];
  if (k.rpm) parts.push(`${count(k.rpm)} req/min`);
  if (k.tpm) parts.push(`${count(k.tpm)} tok/min`);
  return parts.join(", ") || "none";
}

function budgetText(k) {
  if (k.budget_usd === null) return "none";
  return `${usd(k.budget_usd)} / ${k.budget_period}${
    k.fallback_model ? `, then ${k.fallback_model}` : ""
  }`;
}

function keyRow(k, canChange, refresh, say) {
  const revoked = k.revoked_at !== null;
  const actions = h("td", { class: "actions" });
  const row = h(
    "tr",
    { dataset: { key: k.id }, class: revoked ? "revoked" : null },
    h("td", { class: "key-name" }, k.name),
    h("td", { class: "mono muted" }, `${k.id} · ${k.prefix}…`),
    h("td", {}, k.models?.join(", ") ?? "all"),
    h("td", {}, limitsText(k)),
    h("td", {}, budgetText(k)),
    h("td", { class: "num" }, revoked ? "—" : usd(k.spent_usd)),
    h(
      "td",
      { class: "nowrap" },
      revoked ? `revoked ${time(k.revoked_at)}` : `live since ${time(k.created_at)}`,
    ),
    actions,
  );
  if (!canChange || revoked) return [row];
  const editor = h(
    "tr",
    { class: "editor", hidden: true },
    h(
      "td",
      { colspan: "8" },
      h(
        "form",
        {
          class: "key-form",
          onsubmit: async (event) => {
            event.preventDefault();
            try {
              await api(`/admin/keys/${encodeURIComponent(k.id)}`, {
                method: "PATCH",
                body: limitsOf(event.target, true),
              });
              refresh();
            } catch (e) {
              say(e.message);
            }
          },
        },
        limitInputs(k),
        h("button", { type: "submit" }, "Save limits"),
      ),
    ),
  );
  const revoke = h("button", {
    type: "button",
    class: "danger",
    onclick: async (event) => {
      // A first click arms the button; the second revokes.
      if (event.target.dataset.armed !== "1") {
        event.target.dataset.armed = "1";
        event.target.textContent = "Confirm revoke";
        return;
      }
      try {
        await api(`/admin/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" });
        refresh();
      } catch (e) {
        say(e.message);
      }
    },
  }, "Revoke");
  actions.append(
    h(
      "button",
      { type: "button", class: "quiet", onclick: () => (editor.hidden = !editor.hidden) },
      "Limits",
    ),
    revoke,
  );
  return [row, editor];
}

/** Renders the view into `main`. */
export async function render({ main, refresh, state }) {
  const keys = await api("/dashboard/api/keys");
  const messages = h("div", { id: "key-messages" });
  const say = (text) => messages.replaceChildren(notice(text, "error"));
  const canChange = keys.stored && keys.admin_api;
  if (state?.created) messages.append(secretBox(state.created));
  const explain = !keys.stored
    ? notice("This squint's storage keeps no squint keys.")
    : !keys.admin_api
    ? notice(
      "Creating, changing and revoking keys takes the admin API: set SQUINT_ADMIN_TOKEN (or run ‘deno task keys’ on this machine).",
    )
    : null;
  append(
    main,
    h("div", { class: "view-head" }, h("h1", {}, "Keys")),
    messages,
    explain,
    // The new key's secret goes to the next render only, in memory: it is shown once.
    canChange && panel("New key", createForm((created) => refresh({ created }), say)),
    keys.stored && panel(
      "Keys",
      keys.data.length
        ? table(
          ["Name", "Id", "Models", "Limits", "Budget", num("Spent this period"), "State", ""],
          keys.data.flatMap((k) => keyRow(k, canChange, refresh, say)),
          { id: "keys" },
        )
        : notice("No key yet."),
    ),
  );
}
