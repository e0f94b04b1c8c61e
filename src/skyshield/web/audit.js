/* skyshield audit client: what a nation's page does with the server's signed checkpoints.
 *
 * It pins the log's Ed25519 public key the first time (per nation, in localStorage), keeps
 * the last checkpoint it verified, and on every (re)connect checks that the new checkpoint
 * is signed by the pinned key and that the server's consistency proof shows the new log
 * extends the kept one (RFC 9162 section 2.1.4.2, the same algorithm as server/merkle.py).
 * WebCrypto only (SHA-256, Ed25519): nothing is loaded from anywhere.
 */
(function (root) {
  "use strict";
  const enc = new TextEncoder();
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const eq = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  async function node(l, r) {
    const b = new Uint8Array(1 + l.length + r.length);
    b[0] = 1; b.set(l, 1); b.set(r, 1 + l.length);
    return sha256(b);
  }

  /* Throws unless (size1, root1) is a prefix of (size2, root2) by `proof` (Uint8Arrays). */
  async function verifyConsistency(size1, size2, root1, root2, proof) {
    if (size1 < 1 || size2 < size1) throw new Error(`sizes ${size1} -> ${size2} invalid`);
    if (size1 === size2) {
      if (proof.length || !eq(root1, root2)) throw new Error("same size, different log");
      return;
    }
    if (!proof.length) throw new Error("empty proof");
    const path = proof.slice();
    if ((size1 & (size1 - 1)) === 0) path.unshift(root1);
    let fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) { fn >>= 1; sn >>= 1; }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) throw new Error("proof too long");
      if ((fn & 1) || fn === sn) {
        fr = await node(c, fr); sr = await node(c, sr);
        if (!(fn & 1)) while (fn && !(fn & 1)) { fn >>= 1; sn >>= 1; }
      } else sr = await node(sr, c);
      fn >>= 1; sn >>= 1;
    }
    if (sn !== 0) throw new Error("proof too short");
    if (!eq(fr, root1)) throw new Error("the log no longer holds the checkpoint you kept");
    if (!eq(sr, root2)) throw new Error("the proof does not lead to the server's root");
  }

  async function importKey(pem) {
    const der = b64(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""));
    return crypto.subtle.importKey("spki", der, {name: "Ed25519"}, false, ["verify"]);
  }

  async function checkSignature(key, cp) {
    const text = `skyshield audit log ${cp.origin}\n${cp.size}\n${cp.root}\n`;
    const ok = await crypto.subtle.verify({name: "Ed25519"}, key, b64(cp.sig), enc.encode(text));
    if (!ok) throw new Error(`checkpoint of size ${cp.size} is not signed by the pinned key`);
  }

  /* Check the server's log against what this nation's client kept; returns a status. */
  async function checkLog(api, nation) {
    const info = await api("/api/audit/key");
    const slot = "skyshield.audit." + nation + "." + info.origin;
    const kept = JSON.parse(localStorage.getItem(slot) || "null");
    if (kept && kept.public_key_pem !== info.public_key_pem)
      throw new Error("the server's signing key changed since you last connected");
    const key = await importKey(kept ? kept.public_key_pem : info.public_key_pem);
    const cp = await api("/api/audit/checkpoint");
    await checkSignature(key, cp);
    let how = "first checkpoint pinned";
    if (kept && kept.checkpoint && kept.checkpoint.size > 0) {
      const old = kept.checkpoint;
      if (cp.size < old.size) throw new Error(`log truncated: ${cp.size} < kept ${old.size}`);
      const pr = await api(`/api/audit/consistency?first=${old.size}&second=${cp.size}`);
      await verifyConsistency(old.size, cp.size, b64(old.root), b64(cp.root), pr.proof.map(b64));
      how = `consistent with the kept checkpoint of size ${old.size}`;
    }
    localStorage.setItem(slot, JSON.stringify({public_key_pem: info.public_key_pem, checkpoint: cp}));
    return {size: cp.size, how: how};
  }

  root.SkyAudit = {verifyConsistency: verifyConsistency, checkLog: checkLog};
})(typeof window !== "undefined" ? window : globalThis);
