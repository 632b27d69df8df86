// Gallery uploads: one request per file so each file gets its own progress bar and its own verdict. The one
// request in the browser code not made by common/api.js: fetch cannot report an upload's progress, so this is
// an XMLHttpRequest, with the page's CSRF token all the same. Every name is set with textContent, never as HTML.

import { pageCsrfToken } from "./common/api.js";
import { element } from "./common/dom.js";

const form = document.getElementById("upload-form");
const input = document.getElementById("upload-input");
const list = document.getElementById("upload-list");
const csrfToken = pageCsrfToken();

function uploadOne(file, row) {
  const bar = row.querySelector("progress");
  const status = row.querySelector(".upload-status");
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-CSRFToken", csrfToken);
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = event.loaded / event.total;
    });
    request.addEventListener("load", () => {
      bar.value = 1;
      const body = request.response || {};
      if (request.status === 201) {
        showResult(row, "added", "added", body.items[0]);
      } else if (request.status === 200 && body.duplicates && body.duplicates.length) {
        showResult(row, "duplicate", "already in the library", body.duplicates[0]);
      } else if (request.status === 413) {
        showResult(row, "rejected", "too large to upload");
      } else {
        const reason = body.rejected && body.rejected.length ? body.rejected[0].error : body.detail || body.error;
        showResult(row, "rejected", `not imported: ${reason || `server answered ${request.status}`}`);
      }
      resolve();
    });
    request.addEventListener("error", () => {
      showResult(row, "rejected", "upload failed: the server could not be reached");
      resolve();
    });
    const data = new FormData();
    data.append("file", file, file.name);
    status.textContent = "uploading…";
    request.send(data);
  });
}

function showResult(row, state, message, image) {
  row.dataset.state = state;
  row.querySelector(".upload-status").textContent = message;
  if (image) {
    row.append(element(document, "a", { text: "open", attrs: { href: image.editor_url } }));
  }
}

function addRow(file) {
  const row = element(document, "li", { className: "upload-item" });
  const bar = element(document, "progress", { attrs: { max: 1, value: 0 } });
  row.append(element(document, "span", { className: "upload-name", text: file.name }), bar,
    element(document, "span", { className: "upload-status", text: "waiting" }));
  list.append(row);
  return row;
}

input.addEventListener("change", async () => {
  const files = Array.from(input.files);
  input.value = "";
  const rows = files.map(addRow);
  // Two at a time: quick on a laptop's server without flooding it from a room of uploaders.
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      await uploadOne(files[index], rows[index]);
    }
  };
  await Promise.all([worker(), worker()]);
  if (rows.some((row) => row.dataset.state === "added")) {
    const note = element(document, "li", { className: "upload-item upload-done" });
    note.append(element(document, "a", { text: "Refresh the gallery to see the new images",
      attrs: { href: window.location.pathname + window.location.search } }));
    list.append(note);
  }
});
