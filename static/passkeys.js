// tripdesk demo frontend, passkeys: signing in with one (no address, no
// password: the authenticator offers its passkeys for this site) and
// adding, listing and removing them in the profile. The browser turns the
// service's JSON options into WebAuthn's (parse…OptionsFromJSON) and its
// answers back into JSON (toJSON). Uses app.js's helpers (api, $, attempt,
// say, showLoggedIn).
"use strict";

/** Whether this browser can do passkeys with JSON options. */
function passkeysSupported() {
  return Boolean(window.PublicKeyCredential && PublicKeyCredential.parseRequestOptionsFromJSON);
}

async function signInWithPasskey() {
  const { challengeId, publicKey } = await api("POST", "/api/users/login/passkey/start");
  const options = PublicKeyCredential.parseRequestOptionsFromJSON(publicKey);
  const credential = await navigator.credentials.get({ publicKey: options });
  const answer = { challengeId, credential: credential.toJSON() };
  const { user } = await api("POST", "/api/users/login/passkey/finish", answer);
  say(`Welcome back, ${user.name}.`);
  await showLoggedIn(user);
}

async function addPasskey(name) {
  const { publicKey } = await api("POST", "/api/users/me/passkeys/register/start");
  const options = PublicKeyCredential.parseCreationOptionsFromJSON(publicKey);
  const credential = await navigator.credentials.create({ publicKey: options });
  const body = { credential: credential.toJSON(), name };
  const { passkey } = await api("POST", "/api/users/me/passkeys/register/finish", body);
  await loadPasskeys();
  say(`Passkey “${passkey.name}” added: it signs you in with no password. Your other sessions were ended.`);
}

function passkeyItem(passkey) {
  const item = document.createElement("li");
  const used = passkey.lastUsedAt
    ? `last used ${new Date(passkey.lastUsedAt).toLocaleString()}`
    : "never used";
  item.textContent = `${passkey.name} (${used}) `;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "cancel";
  remove.textContent = "Remove";
  remove.addEventListener("click", () => attempt(async () => {
    await api("DELETE", `/api/users/me/passkeys/${passkey.id}`);
    await loadPasskeys();
    say(`Passkey “${passkey.name}” removed. Your other sessions were ended.`);
  }));
  item.append(remove);
  return item;
}

async function loadPasskeys() {
  const { passkeys } = await api("GET", "/api/users/me/passkeys");
  $("#passkey-list").replaceChildren(...passkeys.map(passkeyItem));
  $("#passkey-state").textContent = passkeys.length === 0
    ? "None yet: add one to sign in with a fingerprint or your device's PIN."
    : "Each of these signs you in with no password:";
}

/** The passkeys panel of the profile. */
function showPasskeys() {
  $("#passkeys").hidden = !passkeysSupported();
  if (passkeysSupported()) attempt(loadPasskeys);
}

function wirePasskeys() {
  $("#passkey-login").hidden = !passkeysSupported();
  $("#passkey-login").addEventListener("click", () => attempt(signInWithPasskey));
  $("#passkey-add-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = event.target.elements.name.value;
    attempt(async () => {
      await addPasskey(name);
      event.target.reset();
    });
  });
}

wirePasskeys();
