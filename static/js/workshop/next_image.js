// The gallery's "Next image" button for workshop participants: asks the server which image is theirs next.
import { makeApi } from "../common/api.js";

const api = makeApi();
const button = document.getElementById("next-image");
const status = document.getElementById("next-status");

button.addEventListener("click", async () => {
  button.disabled = true;
  try {
    const { body } = await api("POST", "/api/workshop/next", { current: null });
    if (body.url || body.finished_url) {
      window.location.assign(body.url || body.finished_url);
      return;
    }
    status.textContent = body.message;
  } catch (error) {
    status.textContent = error.detail;
  }
  button.disabled = false;
});
