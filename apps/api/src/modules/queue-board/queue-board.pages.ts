/** The queue board's own pages: plain HTML with no script, so the CSP's script-src 'self' holds. */

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f4f5f7; color: #1d2430; margin: 0; }
  main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.25rem; margin: 0 0 1rem; }
  label { display: block; margin: .75rem 0 .25rem; font-size: .9rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  button { margin-top: 1.25rem; width: 100%; padding: .6rem; font-size: 1rem; cursor: pointer; }
  .message { background: #fdecea; color: #8a1c12; padding: .6rem .75rem; border-radius: 4px; font-size: .9rem; }
  p { font-size: .9rem; }`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>
`;
}

/** The sign-in form; `message` says why the last attempt failed. */
export function loginPage(message?: string): string {
  return page(
    'dbferry queues: sign in',
    `<h1>dbferry queues</h1>
<p>Sign in with an admin account of the dbferry API.</p>
${message ? `<p class="message" role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/queues/login">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required maxlength="64" autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200">
<button type="submit">Sign in</button>
</form>`,
  );
}

/** A signed-in user who may not see the board: why, and a way to sign in as someone else. */
export function forbiddenPage(message: string): string {
  return page(
    'dbferry queues: not allowed',
    `<h1>dbferry queues</h1>
<p class="message" role="alert">${escapeHtml(message)}</p>
<form method="post" action="/queues/logout"><button type="submit">Sign out and use another account</button></form>`,
  );
}
