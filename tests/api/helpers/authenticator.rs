//! A software passkey authenticator, as a browser's platform authenticator
//! behaves (WebAuthn level 2, ES256, "none" attestation, discoverable
//! credentials), built in test code from `p256` and CBOR. Its fields are
//! open so a test can misbehave on purpose: another origin, a counter that
//! went back, no user verification.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::Value as Cbor;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_DATA: u8 = 0x40;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &Value) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.as_str().expect("a base64url string"))
        .expect("base64url")
}

fn cbor(value: &Cbor) -> Vec<u8> {
    let mut bytes = Vec::new();
    ciborium::into_writer(value, &mut bytes).expect("CBOR");
    bytes
}

fn text(key: &str) -> Cbor {
    Cbor::Text(key.to_owned())
}

/// A credential the authenticator keeps.
pub struct SoftCredential {
    pub id: Vec<u8>,
    key: SigningKey,
    rp_id: String,
    user_handle: Vec<u8>,
    /// The signature counter it will sign with next (minus one).
    pub counter: u32,
}

impl SoftCredential {
    /// The COSE_Key of its public key (EC2, P-256, ES256).
    fn cose_key(&self) -> Vec<u8> {
        let point = self.key.verifying_key().to_encoded_point(false);
        cbor(&Cbor::Map(vec![
            (Cbor::Integer(1.into()), Cbor::Integer(2.into())),
            (Cbor::Integer(3.into()), Cbor::Integer((-7).into())),
            (Cbor::Integer((-1).into()), Cbor::Integer(1.into())),
            (
                Cbor::Integer((-2).into()),
                Cbor::Bytes(point.x().unwrap().to_vec()),
            ),
            (
                Cbor::Integer((-3).into()),
                Cbor::Bytes(point.y().unwrap().to_vec()),
            ),
        ]))
    }
}

/// The authenticator, and the origin its browser reports.
pub struct SoftAuthenticator {
    pub origin: String,
    /// Whether it verifies its user (a fingerprint, a PIN).
    pub verifies_user: bool,
    pub credentials: Vec<SoftCredential>,
}

impl SoftAuthenticator {
    pub fn new(origin: &str) -> Self {
        Self {
            origin: origin.to_owned(),
            verifies_user: true,
            credentials: Vec::new(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &Value) -> Vec<u8> {
        let data = json!({
            "type": kind,
            "challenge": challenge,
            "origin": self.origin,
            "crossOrigin": false,
        });
        data.to_string().into_bytes()
    }

    fn flags(&self) -> u8 {
        USER_PRESENT | if self.verifies_user { USER_VERIFIED } else { 0 }
    }

    /// Answers `navigator.credentials.create()` with `options` (the
    /// `publicKey` the service sent): a new credential, kept.
    pub fn create(&mut self, options: &Value) -> Value {
        let mut id = vec![0u8; 32];
        rand::thread_rng().fill_bytes(&mut id);
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        let credential = SoftCredential {
            id,
            key: SigningKey::from_slice(&secret).unwrap(),
            rp_id: options["rp"]["id"].as_str().unwrap().to_owned(),
            user_handle: unb64(&options["user"]["id"]),
            counter: 0,
        };
        let mut auth_data = Sha256::digest(credential.rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags() | ATTESTED_DATA);
        auth_data.extend(credential.counter.to_be_bytes());
        auth_data.extend([0u8; 16]);
        auth_data.extend((credential.id.len() as u16).to_be_bytes());
        auth_data.extend(&credential.id);
        auth_data.extend(credential.cose_key());
        let attestation = cbor(&Cbor::Map(vec![
            (text("fmt"), text("none")),
            (text("attStmt"), Cbor::Map(Vec::new())),
            (text("authData"), Cbor::Bytes(auth_data)),
        ]));
        let client_data = self.client_data("webauthn.create", &options["challenge"]);
        let answer = json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        });
        self.credentials.push(credential);
        answer
    }

    /// Answers `navigator.credentials.get()` with `options` using its
    /// newest credential for the options' relying party, moving its counter
    /// on by one.
    pub fn get(&mut self, options: &Value) -> Value {
        let rp_id = options["rpId"].as_str().unwrap();
        let flags = self.flags();
        let client_data = self.client_data("webauthn.get", &options["challenge"]);
        let credential = self
            .credentials
            .iter_mut()
            .rev()
            .find(|credential| credential.rp_id == rp_id)
            .expect("a credential for this relying party");
        credential.counter += 1;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend(credential.counter.to_be_bytes());
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: Signature = credential.key.sign(&signed);
        json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
        })
    }
}
