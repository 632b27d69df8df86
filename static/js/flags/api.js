// The flags page's requests: JSON in, JSON out, errors as Error(detail) so the page can say what went wrong.

function csrfToken(doc) {
  const meta = doc.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

async function answer(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `the server answered ${response.status}`;
    throw new Error(detail);
  }
  return body;
}

export async function getJson(url) {
  return answer(await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }));
}

export async function postJson(doc, url, body) {
  return answer(await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken(doc) },
    body: JSON.stringify(body ?? {}),
  }));
}
