/** Small HTML helpers for the record pages: escaping and the page frame. No client-side script. */
export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#f3f4f6}
header{background:#1f3a5f;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:center}
header a{color:#dbe7f5;text-decoration:none}header strong{font-size:17px;margin-right:12px}
main{max-width:960px;margin:24px auto;padding:0 16px}
.card{background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:20px 24px;margin-bottom:18px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 12px}.sub{color:#59636e;margin:0 0 16px}
dl{display:grid;grid-template-columns:180px 1fr;gap:8px 16px;margin:0}dt{color:#59636e}dd{margin:0}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:7px 8px;border-bottom:1px solid #e6e9ed}th{color:#59636e;font-weight:600}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:13px;font-weight:600}
.p1{background:#fde2e1;color:#a4262c}.p2{background:#fff4ce;color:#7a5b00}.p3{background:#dff6dd;color:#0e6b0e}
form label{display:block;margin:0 0 12px}form label span{display:block;color:#59636e;margin-bottom:3px}
input,select,textarea{width:100%;padding:7px 9px;border:1px solid #c6ccd3;border-radius:5px;font:inherit}textarea{min-height:90px}
.row{display:grid;grid-template-columns:1fr 1fr;gap:0 16px}
button,.button{display:inline-block;background:#1f6feb;color:#fff;border:0;border-radius:5px;padding:8px 16px;font:inherit;cursor:pointer;text-decoration:none}
.error{background:#fde2e1;color:#a4262c;border:1px solid #f1b0ad;border-radius:6px;padding:10px 14px;margin-bottom:16px}
.muted{color:#59636e}a{color:#0b5cad}
.search{display:flex;gap:8px}.search input{flex:1}h2 .more{font-size:13px;font-weight:400;margin-left:8px}
fieldset.new-contact{border:1px dashed #c6ccd3;border-radius:6px;margin:0 0 12px;padding:10px 14px}fieldset.new-contact legend{color:#59636e;padding:0 4px}
header{flex-wrap:wrap;row-gap:6px}
@media (max-width:560px){header{padding:8px 12px;gap:12px}main{margin:12px auto;padding:0 8px}.card{padding:14px}dl{grid-template-columns:1fr}.row{grid-template-columns:1fr}table{font-size:13px}th,td{padding:5px 4px}}
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} – ccflow CRM</title><style>${STYLE}</style></head>
<body>
<header><strong><a href="/main.aspx" style="color:#fff">ccflow CRM</a></strong>
<a href="/main.aspx?pagetype=entitylist&amp;etn=incident">Cases</a>
<a href="/main.aspx?pagetype=entitylist&amp;etn=contact">Contacts</a>
<a href="/main.aspx?pagetype=entitylist&amp;etn=account">Accounts</a>
<a href="/main.aspx?pagetype=entityrecord&amp;etn=incident">New case</a>
<a href="/main.aspx?pagetype=entityrecord&amp;etn=contact">New contact</a></header>
<main>
${body}
</main>
</body>
</html>
`;
}

export function recordUrl(etn: string, id?: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ pagetype: "entityrecord", etn, ...(id ? { id } : {}), ...extra });
  return `/main.aspx?${params.toString()}`;
}
