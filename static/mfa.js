// tripdesk demo frontend, the second factor: the code step of a login, and
// turning an authenticator app on (secret, otpauth link and QR code, drawn
// by the vendored qrcode-generator) and off in the profile. Uses app.js's
// helpers (api, $, attempt, say, formJson, showLoggedIn) and state (me).
"use strict";

let loginChallenge = null;

/** The password was right: ask for the code that finishes the login. */
function askForCode(challenge) {
  loginChallenge = challenge;
  $("#code-form").hidden = false;
  $("#code-form").elements.code.focus();
  say("Enter the code from your authenticator app.");
}

/** Draws `text` as a QR code on the canvas (no image URL: the page's
 *  policy loads images from this origin only). */
function drawQr(canvas, text) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const modules = qr.getModuleCount();
  const cell = Math.floor(canvas.width / (modules + 8));
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.fillStyle = "#000";
  for (let row = 0; row < modules; row++) {
    for (let column = 0; column < modules; column++) {
      if (qr.isDark(row, column)) context.fillRect((column + 4) * cell, (row + 4) * cell, cell, cell);
    }
  }
}

/** The second-factor panel for `user`. */
function showMfa(user) {
  const on = user.mfa.totp;
  $("#mfa-state").textContent = on
    ? "On: logins ask for a code from your authenticator app."
    : "Off: your password alone logs you in.";
  $("#mfa-start").hidden = on;
  $("#mfa-remove-form").hidden = !on;
  $("#mfa-enrol-form").hidden = true;
}

async function refreshMe() {
  const { user } = await api("GET", "/api/users/me");
  me = user;
  showMfa(user);
}

function wireMfa() {
  $("#code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { code } = formJson(event.target);
      const { user } = await api("POST", "/api/users/login/mfa", { challenge: loginChallenge, code });
      loginChallenge = null;
      event.target.reset();
      event.target.hidden = true;
      say(`Welcome back, ${user.name}.`);
      await showLoggedIn(user);
    });
  });
  $("#mfa-start").addEventListener("click", () => attempt(async () => {
    const { secret, otpauthUrl } = await api("POST", "/api/users/me/mfa/totp");
    $("#mfa-secret").textContent = secret;
    $("#mfa-url").textContent = otpauthUrl;
    drawQr($("#mfa-qr"), otpauthUrl);
    $("#mfa-enrol-form").hidden = false;
    $("#mfa-start").hidden = true;
  }));
  $("#mfa-enrol-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      const { recoveryCodes } = await api("POST", "/api/users/me/mfa/totp/confirm", formJson(event.target));
      event.target.reset();
      $("#mfa-code-list").replaceChildren(...recoveryCodes.map((code) => {
        const item = document.createElement("li");
        item.textContent = code;
        return item;
      }));
      $("#mfa-codes").hidden = false;
      await refreshMe();
      say("The second factor is on. Your other sessions were ended.");
    });
  });
  $("#mfa-remove-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(async () => {
      await api("DELETE", "/api/users/me/mfa/totp", formJson(event.target));
      event.target.reset();
      $("#mfa-codes").hidden = true;
      await refreshMe();
      say("The second factor is off.");
    });
  });
}

wireMfa();
