// The instructor's workshop page: settings, backups, reset. Server answers are shown as text only.
import { makeApi } from "../common/api.js";
import { element } from "../common/dom.js";
import { formatNumber } from "../common/format.js";
import { settingsPayload } from "./settings_form.js";

const api = makeApi();
const form = document.getElementById("workshop-settings");
const settingsStatus = document.getElementById("settings-status");
const backupStatus = document.getElementById("backup-status");
const backupList = document.getElementById("backup-list");
const imageCount = document.getElementById("image-count");

function say(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle("error", isError);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  let payload;
  try {
    payload = settingsPayload({
      assignment: form.elements.assignment.value,
      imageIds: form.elements.image_ids.value,
      shareLayers: form.elements.share_layers.checked,
    });
  } catch (error) {
    say(settingsStatus, error.message, true);
    return;
  }
  try {
    const { body } = await api("PUT", "/api/workshop", payload);
    say(settingsStatus, "Saved.");
    imageCount.textContent = `${body.images} image${body.images === 1 ? "" : "s"} in this workshop.`;
  } catch (error) {
    say(settingsStatus, error.detail, true);
  }
});

async function showBackups() {
  try {
    const { body } = await api("GET", "/api/workshop/backups");
    backupList.replaceChildren(...body.items.map((item) => {
      const row = element(document, "li");
      row.append(element(document, "a", { text: item.name, attrs: { href: item.url } }),
        ` · ${formatNumber(item.bytes / 1024)} KB`);
      return row;
    }));
    if (!body.items.length) backupList.textContent = "None yet.";
  } catch (error) {
    say(backupStatus, error.detail, true);
  }
}

document.getElementById("backup-now").addEventListener("click", async () => {
  say(backupStatus, "Writing the backup…");
  try {
    const { body } = await api("POST", "/api/workshop/backups", {});
    say(backupStatus, `Backup written: ${body.backup}`);
  } catch (error) {
    say(backupStatus, error.detail, true);
  }
  showBackups();
});

document.getElementById("reset-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const confirm = document.getElementById("reset-confirm").value.trim();
  say(backupStatus, "Writing the backup, then resetting…");
  try {
    const { body } = await api("POST", "/api/workshop/reset", { confirm });
    const removed = body.removed;
    say(backupStatus, `Reset done. Backup ${body.backup} holds ${removed.annotations} outlines by ${removed.people} ` +
      `people, ${removed.events} timing events and ${removed.proposals} proposals.`);
  } catch (error) {
    say(backupStatus, error.detail, true);
  }
  showBackups();
});

document.getElementById("agreement-jump").addEventListener("submit", (event) => {
  event.preventDefault();
  const id = Number(document.getElementById("agreement-image").value);
  if (Number.isInteger(id) && id > 0) window.location.assign(`/agreement/${id}`);
});

showBackups();
