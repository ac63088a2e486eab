// tripdesk demo frontend, the person's own data: "download my data" (the
// export as a JSON file) for everyone, "delete my account" (with the
// password) for customers. Uses app.js's helpers (api, $, attempt, say,
// formJson, showLoggedOut) and its state (me).
"use strict";

/** Saves the export as tripdesk-data.json and says what it holds. */
async function downloadMyData() {
  const data = await api("GET", "/api/users/me/export");
  const file = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = "tripdesk-data.json";
  link.click();
  URL.revokeObjectURL(link.href);
  say(`Your data: ${data.bookings.length} booking(s), ${data.mails.length} mail(s), ` +
    `${data.audit.length} recorded action(s).`);
}

/** Shows the section, and the deletion form to customers only. */
function showPrivacy(user) {
  $("#privacy-section").hidden = false;
  $("#erase-form").hidden = user.role !== "customer";
}

function wirePrivacy() {
  $("#download-data").addEventListener("click", () => attempt(downloadMyData));
  $("#erase-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!confirm("Delete your account, cancel your bookings and erase your data? This cannot be undone.")) {
      return;
    }
    attempt(async () => {
      await api("DELETE", "/api/users/me", formJson(event.target));
      event.target.reset();
      showLoggedOut();
      say("Your account and your data were deleted.");
    });
  });
}

wirePrivacy();
