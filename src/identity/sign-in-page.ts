/** The embedded identity service's sign-in page: one form, the request's parameters carried along. */
import type { IdentityUser } from "./users.js";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export interface SignInPageOptions {
  action: string;
  params: Record<string, string>;
  clientName: string;
  error?: string;
  username?: string;
  /** Development users to show (their passwords are public, like the banner's). */
  hints: Array<Pick<IdentityUser, "username" | "name" | "roles"> & { password: string }>;
}

export function signInPage(o: SignInPageOptions): string {
  const hidden = Object.entries(o.params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("\n      ");
  const hints = o.hints.length
    ? `<details class="hints"><summary>Development users (public on purpose)</summary><table>${o.hints
        .map((h) => `<tr><td><code>${escapeHtml(h.username)}</code></td><td><code>${escapeHtml(h.password)}</code></td><td>${escapeHtml(h.name)}</td><td>${escapeHtml(h.roles.join(", "))}</td></tr>`)
        .join("")}</table></details>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in · ccflow</title>
  <style>
    body { font: 15px/1.4 system-ui, sans-serif; background: #f3f4f6; margin: 0; display: grid; place-items: center; min-height: 100vh; }
    main { background: #fff; padding: 2rem 2.2rem; border-radius: 10px; box-shadow: 0 2px 12px #0002; min-width: 320px; max-width: 560px; }
    h1 { font-size: 1.3rem; margin: 0 0 .3rem; } p.for { color: #555; margin: 0 0 1.2rem; }
    label { display: block; margin: .7rem 0 .2rem; font-weight: 600; }
    input[type=text], input[type=password] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 1px solid #bbb; border-radius: 6px; }
    button { margin-top: 1.2rem; width: 100%; padding: .6rem; font: inherit; font-weight: 600; background: #1f6feb; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }
    .error { color: #b42318; background: #fef3f2; padding: .5rem .7rem; border-radius: 6px; }
    .hints { margin-top: 1.2rem; color: #444; font-size: .9rem; } .hints td { padding: .1rem .5rem .1rem 0; }
  </style>
</head>
<body>
  <main>
    <h1>Sign in</h1>
    <p class="for">to ${escapeHtml(o.clientName)}</p>
    ${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ""}
    <form method="post" action="${escapeHtml(o.action)}">
      ${hidden}
      <label for="username">User name</label>
      <input type="text" id="username" name="username" autocomplete="username" autofocus required value="${escapeHtml(o.username ?? "")}">
      <label for="password">Password</label>
      <input type="password" id="password" name="password" autocomplete="current-password" required>
      <button type="submit">Sign in</button>
    </form>
    ${hints}
  </main>
</body>
</html>`;
}

export function errorPage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · ccflow</title></head><body style="font:15px system-ui,sans-serif;margin:3rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}
